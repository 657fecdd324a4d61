/**
 * The bytes a move says it will send are the bytes it sends: the plan of each mailbox (its part
 * of a tar stream many small mailboxes share) adds up to what the streams carried, so that the
 * progress total and its time left are true from the start. A first copy sends each Maildir's
 * directories too; counted at find's size (4096), they made such a move plan 40% more than it
 * sent, and its progress end at "163.5 MiB of 241 MiB".
 */
import { afterAll, describe, expect, it } from 'vitest';
import { freshStateDir, runLabCli } from '../helpers/lab-cli.js';
import { lab } from '../helpers/lab-session.js';
import { useMailHosts } from '../helpers/vpopmail.js';
import { manyMailboxesDomain } from '../lab/many-mailboxes.js';

const DOMAIN = 'progress-total.example';

describe('the progress of a first move of small mailboxes', () => {
  const hosts = useMailHosts();
  afterAll(async () => {
    for (const h of [hosts.old, hosts.new])
      await h.sh(`${h.home}/bin/vdeldomain -f ${DOMAIN} >/dev/null 2>&1; true`);
  });

  it('plans the bytes its streams carry, and ends with its total done', async () => {
    const corpus = await manyMailboxesDomain(hosts.old.remote, lab().hosts.old, DOMAIN, 40, {
      quota: '52428800S',
      clearPasswords: false,
    });
    const move = runLabCli(
      ['move', DOMAIN, '--from', 'old', '--to', 'new', '--data-path', 'relay', '--json-events'],
      { state: freshStateDir() },
    );
    expect(move.code, move.stderr).toBe(0);
    const events = move.stdout
      .split('\n')
      .filter(Boolean)
      .map(
        (l) =>
          JSON.parse(l) as {
            event: string;
            mailbox?: string;
            streamBytes?: number;
            bytes?: number;
            totalBytes?: number;
          },
      );
    // Each mailbox's last plan and what its last pass sent (a stream tried again after a
    // failure is planned again, and its first attempt's bytes count in the progress only).
    const sum = (kind: string) => {
      const last = new Map(
        events.filter((e) => e.event === kind).map((e) => [e.mailbox, e.streamBytes ?? 0]),
      );
      return [...last.values()].reduce((n, b) => n + b, 0);
    };
    const planned = sum('mailbox-plan');
    const sent = sum('mailbox-done');
    expect(sent).toBeGreaterThan(corpus.bytes);
    // What the plans cannot know: each stream's end blocks and last record (under 11 KiB), and
    // a name that grows past 100 bytes with its mailbox's place in a shared stream.
    expect(planned).toBeLessThanOrEqual(sent);
    expect(planned / sent, `planned ${planned}, sent ${sent}`).toBeGreaterThan(0.97);
    const last = events.filter((e) => e.event === 'progress').at(-1);
    expect(last?.bytes).toBeGreaterThanOrEqual(sent);
    expect(last?.totalBytes, `planned ${planned}, sent ${sent}`).toBe(last?.bytes);
  });
});
