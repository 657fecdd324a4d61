/** Everything vmigrate records in one state store, each kind of record behind its own class. */
import { CopiedFiles } from './copied-files.js';
import { CopiedMessages } from './copied-messages.js';
import { CreateClaims } from './create-claims.js';
import { Cutovers } from './cutovers.js';
import { DirectGrants } from './direct-grants.js';
import { LocalLocks } from './local-locks.js';
import { RunJournal } from './run-journal.js';
import { StateStore } from './store.js';

export interface Records {
  /** The store's identity (a destination lock names the store that holds it). */
  storeId: string;
  /** Its file, for messages. */
  file: string;
  runs: RunJournal;
  claims: CreateClaims;
  copied: CopiedMessages;
  copiedFiles: CopiedFiles;
  locks: LocalLocks;
  cutovers: Cutovers;
  /** The direct data path's authorized_keys lines, from before each is written until it is removed. */
  grants: DirectGrants;
  /** Records written by `burst` commit together (or not at all), with one fsync. */
  together: <T>(burst: () => T) => T;
  close(): void;
}

export function recordsOf(store: StateStore): Records {
  return {
    storeId: store.id,
    file: store.file,
    runs: new RunJournal(store),
    claims: new CreateClaims(store),
    copied: new CopiedMessages(store),
    copiedFiles: new CopiedFiles(store),
    locks: new LocalLocks(store),
    cutovers: new Cutovers(store),
    grants: new DirectGrants(store),
    together: (burst) => store.db.transaction(burst)(),
    close: () => store.close(),
  };
}

/** Opens (creating if need be) the state store in `dir`. */
export function openRecords(dir: string): Records {
  return recordsOf(StateStore.open(dir));
}
