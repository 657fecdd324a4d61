/**
 * Telling a server's qmail-send to reread its control files (SIGHUP) and to retry deferred
 * deliveries now (SIGALRM), spec 3.5 and 15; or running the command the operator gave.
 */
import { PreconditionError, RemoteCommandError } from '../errors.js';
import type { Remote } from '../remote/remote.js';
import { parseQread, type QueuedMessage } from './qmail-control.js';

/*
 * The processes whose command line names qmail-send, as vpopmail picks them (its ps line
 * contains `qmail-send` and not supervise, multilog or svscan), each with whether it shares
 * this login's mount namespace: a qmail-send of a container or jail on the same kernel is
 * another server's. The parent pid is there because a process that qmail-send has just forked
 * carries its command line until it execs: it is that qmail-send, not a second one.
 */
const FIND_SCRIPT = `
self=$(readlink /proc/self/ns/mnt 2>/dev/null)
ps -e -o pid= -o ppid= -o args= | while read -r pid ppid args; do
  case $args in
    *supervise*|*multilog*|*svscan*|*readproctitle*) continue ;;
    *qmail-send*) ;;
    *) continue ;;
  esac
  ns=$(readlink /proc/$pid/ns/mnt 2>/dev/null)
  if [ -z "$self" ] || [ -z "$ns" ]; then same=unknown
  elif [ "$ns" = "$self" ]; then same=yes
  else same=no; fi
  printf '%s %s %s %s\\n' "$pid" "$ppid" "$same" "$args"
done`;

/*
 * The signal sent, then whether the process took it: still alive and the signal no longer
 * pending (Linux /proc; elsewhere only "alive" can be told). Exit 3: it could not be sent.
 */
const SIGNAL_SCRIPT = `
sig=$1 pid=$2 bit=$3 i=0
kill -"$sig" "$pid" || exit 3
while [ $i -lt 50 ]; do
  kill -0 "$pid" 2>/dev/null || { echo gone; exit 0; }
  [ -r /proc/$pid/status ] || { echo alive; exit 0; }
  pending=$(sed -n 's/^\\(SigPnd\\|ShdPnd\\):[[:space:]]*//p' /proc/$pid/status | tr '\\n' ' ')
  taken=yes
  for p in $pending; do
    [ $(( 0x$p & bit )) -eq 0 ] || taken=no
  done
  [ $taken = yes ] && { echo taken; exit 0; }
  sleep 0.1 2>/dev/null || sleep 1
  i=$((i + 1))
done
echo pending`;

export interface QmailSendProcess {
  pid: number;
  args: string;
}

export async function findQmailSend(remote: Remote): Promise<QmailSendProcess[]> {
  const r = await remote.run(['sh', '-c', FIND_SCRIPT]);
  return ownQmailSends(r.stdout.toString());
}

/** The FIND_SCRIPT lines of this server's qmail-sends, without the children caught mid-fork. */
function ownQmailSends(listing: string): QmailSendProcess[] {
  const found = listing.split('\n').flatMap((line) => {
    const m = /^(\d+) (\d+) (yes|no|unknown) (.*)$/.exec(line);
    return m && m[3] !== 'no' ? [{ pid: Number(m[1]), ppid: Number(m[2]), args: m[4]! }] : [];
  });
  const pids = new Set(found.map((p) => p.pid));
  return found.filter((p) => !pids.has(p.ppid)).map(({ pid, args }) => ({ pid, args }));
}

/** The one qmail-send of this server; none or several is a precondition the operator settles. */
export async function theQmailSend(remote: Remote): Promise<QmailSendProcess> {
  const found = await findQmailSend(remote);
  if (found.length === 1) return found[0]!;
  throw new PreconditionError(
    found.length === 0
      ? `no qmail-send process runs on ${remote.label}`
      : `${found.length} qmail-send processes run on ${remote.label} (pids ${found.map((p) => p.pid).join(', ')})`,
    {
      host: remote.label,
      hint: 'give the command that makes this server reread its control files with --reload-command (e.g. "svc -h /service/qmail-send")',
    },
  );
}

const SIGNAL_BITS = { HUP: 1, ALRM: 1 << 13 } as const;

export type SignalOutcome = 'taken' | 'alive';

/** Signals qmail-send and waits until it has taken the signal. */
export async function signalQmailSend(
  remote: Remote,
  pid: number,
  signal: keyof typeof SIGNAL_BITS,
): Promise<SignalOutcome> {
  const r = await remote.exec([
    'sh',
    '-c',
    SIGNAL_SCRIPT,
    'vmigrate-signal',
    signal,
    String(pid),
    String(SIGNAL_BITS[signal]),
  ]);
  if (r.code !== 0)
    throw new RemoteCommandError(
      `${remote.label}: cannot signal qmail-send (pid ${pid}): ${r.stderr.trim()}`,
      r,
      {
        host: remote.label,
      },
    );
  const said = r.stdout.toString().trim();
  if (said === 'taken' || said === 'alive') return said;
  throw new PreconditionError(
    said === 'gone'
      ? `qmail-send (pid ${pid}) on ${remote.label} is gone after SIG${signal}`
      : `qmail-send (pid ${pid}) on ${remote.label} has not taken SIG${signal} after 5 s`,
    { host: remote.label },
  );
}

/** The operator's own reload command, run by the login's shell; it must exit 0. */
export async function runReloadCommand(remote: Remote, command: string): Promise<void> {
  const r = await remote.exec(['sh', '-c', command]);
  if (r.code !== 0)
    throw new RemoteCommandError(
      `${remote.label}: the reload command failed (exit ${r.code}): ${r.stderr.trim()}`,
      r,
      {
        host: remote.label,
      },
    );
}

/** The server's queue, as its qmail-qread prints it. */
export async function readQmailQueue(remote: Remote, qmailDir: string): Promise<QueuedMessage[]> {
  const r = await remote.run([`${qmailDir}/bin/qmail-qread`]);
  return parseQread(r.stdout.toString('latin1'));
}
