/**
 * Finding a server's qmail-send (the process a cutover signals): a child it has forked and
 * not yet exec'd carries its command line, and is that qmail-send, not a second one. The lab's
 * qmail-send forks for every program delivery; a look taken in that moment once refused a
 * cutover with "2 qmail-send processes run on old".
 */
import { afterAll, describe, expect, it } from 'vitest';
import { findQmailSend } from '../../src/vpopmail/qmail-send.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const DIR = '/tmp/vmigrate-find-test';

describe('finding qmail-send', () => {
  const hosts = useMailHosts();

  afterAll(async () => {
    await hosts.old.sh(`pkill -f ${DIR}/qmail-send; rm -rf ${DIR}`);
  });

  it('counts a qmail-send once while it has a forked child with its command line', async () => {
    const h = hosts.old;
    const before = await findQmailSend(h.remote);
    expect(before).toHaveLength(1);
    // A shell's subshell is a fork that never execs: same command line, parent the script.
    const start = await h.sh(
      `mkdir -p ${DIR} && printf '(sleep 60; :) &\\nsleep 60\\n' > ${DIR}/qmail-send && ` +
        `setsid sh ${DIR}/qmail-send </dev/null >/dev/null 2>&1 & sleep 0.5; ` +
        `ps -e -o pid= -o ppid= -o args= | grep -c '[s]h ${DIR}/qmail-send'`,
    );
    expect(start.stdout.trim(), 'the script and its subshell both run').toBe('2');
    const found = await findQmailSend(h.remote);
    expect(found.map((p) => p.pid)).toContain(before[0]!.pid);
    const fake = found.filter((p) => p.args.includes(DIR));
    expect(fake, JSON.stringify(found)).toHaveLength(1);
    expect(found).toHaveLength(2);
  });
});
