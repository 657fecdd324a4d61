/**
 * A mailbox under heavy activity while it is copied, as an IMAP server and the MTA make it:
 * deliveries through tmp/ to new/, messages read (new/ to cur/ with a flag), flags changed,
 * messages moved to another folder and deleted, every 50 ms as the mail user. The move and a
 * sync during the activity may see a mailbox in motion (a message gone between listing and
 * tar); neither fails for it. Once the activity stops, the next sync converges: `verify
 * --checksum` is clean and no message is on the destination twice. One trial; five in the long
 * form (VMIGRATE_SOAK=1, or VMIGRATE_BUSY_TRIALS).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { quote } from '../../src/remote/quote.js';
import { freshStateDir, runLabCli, trialSize } from '../helpers/lab-cli.js';
import { expectExactCopy, useMailHosts } from '../helpers/vpopmail.js';

const DOMAIN = 'example.com';
const STOP = '/tmp/vmigrate-busy-stop';
const PIDFILE = '/tmp/vmigrate-busy-pid';
const TRIALS = trialSize('VMIGRATE_BUSY_TRIALS', 1, 5);

/** The activity, as the mail user, until STOP exists; prints how many rounds it made. */
function activity(maildir: string, uid: number, gid: number): string {
  const body = `
m=${quote(maildir)}; i=0
while [ ! -e ${STOP} ]; do
  i=$((i + 1))
  t="$m/tmp/busy.$$.$i"
  printf 'Subject: busy %s\\n\\nround %s of the busy mailbox\\n' "$i" "$i" > "$t"
  s=$(wc -c < "$t")
  mv "$t" "$m/new/$(date +%s).M\${i}P$$.old,S=$s"
  n=$(ls "$m/new" | head -n 1)
  [ -z "$n" ] || mv "$m/new/$n" "$m/cur/$n:2,S"
  c=$(ls "$m/cur" | sed -n "$((i % 7 + 1))p")
  case $c in *:2,*) mv "$m/cur/$c" "$m/cur/\${c%%:2,*}:2,RS" ;; esac
  if [ $((i % 5)) = 0 ]; then
    c=$(ls "$m/cur" | sed -n 2p)
    [ -z "$c" ] || mv "$m/cur/$c" "$m/.Archive/cur/$c"
  fi
  if [ $((i % 11)) = 0 ]; then
    c=$(ls "$m/cur" | sed -n 3p)
    [ -z "$c" ] || rm -f "$m/cur/$c"
  fi
  sleep 0.05
done
echo "$i" > ${STOP}.rounds`;
  return `rm -f ${STOP} ${STOP}.rounds; setsid setpriv --reuid=${uid} --regid=${gid} --clear-groups sh -c ${quote(body)} </dev/null >/dev/null 2>&1 & echo $! > ${PIDFILE}`;
}

describe('a mailbox under heavy activity during the copy', () => {
  const hosts = useMailHosts();
  const stop = async (): Promise<number> => {
    await hosts.old.sh(`touch ${STOP}; while kill -0 "$(cat ${PIDFILE})" 2>/dev/null; do sleep 0.1; done`);
    return Number((await hosts.old.sh(`cat ${STOP}.rounds; rm -f ${STOP} ${STOP}.rounds ${PIDFILE}`)).stdout);
  };
  afterAll(async () => {
    await hosts.old.sh(`touch ${STOP}`);
    await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`);
  });

  it(
    `copies without failing while it changes; the next sync converges to an exact copy (${TRIALS} trial(s))`,
    { timeout: 120_000 * TRIALS },
    async () => {
      for (let trial = 1; trial <= TRIALS; trial++) await busyTrial();
    },
  );

  const busyTrial = async () => {
    await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`);
    const dir = (await hosts.old.vp('vuserinfo', '-d', `alice@${DOMAIN}`)).stdout.trim();
    // The source's own files are changed: a copy of alice's Maildir is restored afterwards.
    const maildir = `${dir}/Maildir`;
    expect((await hosts.old.sh(`cp -a ${quote(maildir)} /tmp/vmigrate-busy-saved`)).code).toBe(0);
    try {
      expect((await hosts.old.sh(activity(maildir, hosts.old.uid, hosts.old.gid))).code).toBe(0);
      const state = freshStateDir();
      const move = runLabCli(['move', DOMAIN, '--from', 'old', '--to', 'new'], { state });
      // Verification may find the mailbox ahead of the copy (exit 3): never anything else.
      expect([0, 3], move.stdout + move.stderr).toContain(move.code);
      const during = runLabCli(['sync', DOMAIN, '--from', 'old', '--to', 'new'], { state });
      expect(during.code, during.stdout + during.stderr).toBe(0);
      const rounds = await stop();
      expect(rounds).toBeGreaterThan(20);
      const after = runLabCli(['sync', DOMAIN, '--from', 'old', '--to', 'new'], { state });
      expect(after.code, after.stdout + after.stderr).toBe(0);
      await expectExactCopy(hosts.new, DOMAIN, { from: 'old', to: 'new' }, { state });
    } finally {
      await stop().catch(() => 0);
      await hosts.old.sh(`rm -rf ${quote(maildir)} && mv /tmp/vmigrate-busy-saved ${quote(maildir)}`);
    }
  };
});
