/**
 * One delta pass over one mailbox: list both sides, rename what only changed its flags or
 * moved from new/ to cur/, stream what the destination lacks. Repeatable at will: a second
 * pass over an unchanged mailbox sends nothing.
 */
import { runBatch } from '../remote/batch.js';
import type { Remote } from '../remote/remote.js';
import type { Fence } from '../remote/batch.js';
import { messageKey, planDelta, type MessageKey } from './delta.js';
import { planChunks, type ChunkLimits } from './chunks.js';
import { listMaildir } from './listing.js';
import { relayTree, type Compressor } from './tar-relay.js';

export interface Mailbox {
  /** user@domain, for progress and errors. */
  label: string;
  sourceDir: string;
  destDir: string;
  owner: { uid: number; gid: number };
}

export interface MailboxResult {
  label: string;
  messagesCopied: number;
  /** Message content bytes sent (what the source listing said those messages weigh). */
  contentBytes: number;
  /** Bytes of the tar stream that went through the controller (headers included). */
  streamBytes: number;
  renamed: number;
  deleted: number;
  otherFiles: number;
}

export interface SyncEvents {
  /** Called once the delta is known: what this pass will send. */
  planned?: (box: Mailbox, totals: { messages: number; bytes: number }) => void;
  bytes?: (box: Mailbox, n: number) => void;
  /**
   * The messages about to be sent, before any byte moves. Recorded first on purpose: a unique
   * name is unique to one message, so whatever of these reaches the destination is vmigrate's.
   */
  copying?: (box: Mailbox, messages: MessageKey[]) => void;
  /** Messages removed from the destination because the source no longer has them (--delete). */
  deleted?: (box: Mailbox, messages: MessageKey[]) => void;
}

export async function syncMailbox(
  source: Remote,
  dest: Remote,
  box: Mailbox,
  events: SyncEvents = {},
  options: {
    compress?: Compressor | undefined;
    fence?: Fence | undefined;
    /** With --delete: identities of the messages vmigrate copied here (see planDelta). */
    deletable?: ReadonlySet<string> | undefined;
    /** Slices of the copy that may stream side by side (default: one stream). */
    chunks?: ChunkLimits | undefined;
    /** Runs one stream when a slot is free (the domain's bound on parallel streams). */
    streamSlot?: (<T>(f: () => Promise<T>) => Promise<T>) | undefined;
  } = {},
): Promise<MailboxResult> {
  const [from, to] = await Promise.all([listMaildir(source, box.sourceDir), listMaildir(dest, box.destDir)]);
  const delta = planDelta(from, to, options.deletable);
  events.planned?.(box, { messages: delta.messages, bytes: delta.bytes });
  if (delta.renames.length > 0)
    await runBatch(
      dest,
      delta.renames.map(([a, b]) => ({
        title: `rename ${a} to ${b} in ${box.label}`,
        argv: ['mv', '-f', '--', `${box.destDir}/${a}`, `${box.destDir}/${b}`],
      })),
      { fence: options.fence },
    );
  if (delta.deletes.length > 0) {
    await runBatch(
      dest,
      delta.deletes.map((path) => ({
        title: `delete ${path} from ${box.label} (gone from the source)`,
        argv: ['rm', '-f', '--', `${box.destDir}/${path}`],
      })),
      { fence: options.fence },
    );
    events.deleted?.(
      box,
      delta.deletes.map(messageKey).filter((k) => k !== undefined),
    );
  }
  let streamBytes = 0;
  if (delta.copy.length > 0) {
    events.copying?.(
      box,
      delta.copy.map(messageKey).filter((k) => k !== undefined),
    );
    const entries = new Map(from.map((e) => [e.path, e]));
    const relay = (members: string[]) =>
      relayTree(source, dest, {
        sourceBase: box.sourceDir,
        destBase: box.destDir,
        members,
        owner: box.owner,
        live: true,
        ...(options.compress ? { compress: options.compress } : {}),
        onBytes: (n) => {
          streamBytes += n;
          events.bytes?.(box, n);
        },
      });
    const plan = planChunks(
      delta.copy,
      (p) => entries.get(p)?.type === 'd',
      (p) => entries.get(p)?.size ?? 0,
      options.chunks ?? { maxBytes: Infinity, maxFiles: Infinity },
    );
    const slot = options.streamSlot ?? ((f: () => Promise<void>) => f());
    if (plan.chunks.length <= 1) await slot(() => relay(delta.copy));
    else {
      // Parents first, so that parallel extractions never race to create them; then the
      // slices side by side; then the directories again, whose mtimes the files changed.
      if (plan.dirs.length > 0) await slot(() => relay(plan.dirs));
      await Promise.all(plan.chunks.map((c) => slot(() => relay(c))));
      if (plan.dirs.length > 0) await slot(() => relay(plan.dirs));
    }
  }
  return {
    label: box.label,
    messagesCopied: delta.messages,
    contentBytes: delta.bytes,
    streamBytes,
    renamed: delta.renames.length,
    deleted: delta.deletes.length,
    otherFiles: delta.files,
  };
}
