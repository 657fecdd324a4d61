/**
 * A simulated IMAP user on a lab host: at a steady pace it marks a message read, moves one to
 * Trash or deletes one, as a mail client would through the server (renames and unlinks in the
 * Maildir), and remembers what each traffic message should look like now.
 */
import type { Remote } from '../../src/remote/remote.js';
import { TRAFFIC_HEADER } from './mail-traffic.js';
import { Random } from './fixtures/random.js';

export interface ExpectedState {
  deleted: boolean;
  trash: boolean;
  seen: boolean;
}

export interface ImapClientOptions {
  remote: Remote;
  /** Each user's directory on the host. */
  userDirs: readonly string[];
  uid: number;
  gid: number;
  seed: number;
  intervalMs: number;
}

interface Found {
  path: string;
  id: string;
}

async function list(o: ImapClientOptions): Promise<Found[]> {
  const dirs = o.userDirs.map((d) => `'${d}/Maildir'`).join(' ');
  const r = await o.remote.run(['sh', '-c', `grep -r -H -m 1 '^${TRAFFIC_HEADER}: ' ${dirs} || true`]);
  const out: Found[] = [];
  for (const line of r.stdout.toString().split('\n')) {
    const at = line.indexOf(`:${TRAFFIC_HEADER}: `);
    if (at < 0) continue;
    const path = line.slice(0, at);
    if (!/\/(new|cur)\/[^/]+$/.test(path)) continue;
    out.push({ path, id: line.slice(at + TRAFFIC_HEADER.length + 3).trim() });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

const withSeen = (name: string) => {
  const i = name.indexOf(':2,');
  if (i < 0) return `${name}:2,S`;
  const flags = new Set(name.slice(i + 3));
  flags.add('S');
  return `${name.slice(0, i)}:2,${[...flags].sort().join('')}`;
};

export function startImapClient(o: ImapClientOptions): {
  stop(): Promise<Map<string, ExpectedState>>;
  actions(): number;
} {
  const rnd = new Random(o.seed);
  const expected = new Map<string, ExpectedState>();
  let stopped = false;
  let count = 0;
  const act = async () => {
    const found = await list(o);
    if (found.length === 0) return;
    const pick = found[rnd.int(0, found.length - 1)]!;
    const state = expected.get(pick.id) ?? {
      deleted: false,
      trash: pick.path.includes('/.Trash/'),
      seen: false,
    };
    const m = /^(.*\/Maildir)\/(\.[^/]+\/)?(new|cur)\/([^/]+)$/.exec(pick.path);
    if (!m) return;
    const [, maildir, folder = '', sub, name] = m;
    const kind = rnd.int(0, 2);
    let script: string;
    if (kind === 0) {
      const to = `${maildir}/${folder}cur/${withSeen(name!)}`;
      if (to === pick.path) return;
      script = `mv -- '${pick.path}' '${to}'`;
      state.seen = true;
    } else if (kind === 1 && folder === '') {
      const trash = `${maildir}/.Trash`;
      const base = sub === 'new' ? `${name}:2,` : name;
      script = `mkdir -p '${trash}/cur' '${trash}/new' '${trash}/tmp' && chown -R ${o.uid}:${o.gid} '${trash}' && mv -- '${pick.path}' '${trash}/cur/${base}'`;
      state.trash = true;
    } else {
      script = `rm -- '${pick.path}'`;
      state.deleted = true;
    }
    // The message may have been renamed by a delivery or sync meanwhile: then nothing happened.
    const r = await o.remote.exec(['sh', '-c', `[ -e '${pick.path}' ] || exit 3; ${script}`]);
    if (r.code === 0) {
      expected.set(pick.id, state);
      count++;
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await act();
      await new Promise((r) => setTimeout(r, o.intervalMs));
    }
  })();
  return {
    actions: () => count,
    async stop() {
      stopped = true;
      await loop;
      return expected;
    },
  };
}
