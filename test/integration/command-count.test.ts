/**
 * The commands a move sends grow with what a domain holds, not with its mailbox count: the
 * mailboxes are listed, checksummed and streamed in groups. Two domains of the same shape, one
 * ten times the other in mailboxes, are moved, the small one with --checksum, and each remote
 * command of the run log is put in its class. The formula of docs/performance.md holds for both:
 *
 *   commands = F + 3·G + 2·S + Q (+ 3·G with --checksum)
 *
 * G groups of listings (each listed on both sides before the copy, and the destination again
 * to verify it; with --checksum both sides are listed and checksummed afresh instead), S tar
 * streams (a tar -c and its extractor each), Q the groups whose quota files were counted again
 * (at most G: one command for each group that changed a mailbox under a quota), F the rest,
 * the same for both domains.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { freshStateDir, runLabCli } from '../helpers/lab-cli.js';
import { lab } from '../helpers/lab-session.js';
import { useMailHosts } from '../helpers/vpopmail.js';
import { manyMailboxesDomain } from '../lab/many-mailboxes.js';

const SMALL = { domain: 'few-boxes.example', count: 20, checksum: true };
const LARGE = { domain: 'many-boxes.example', count: 200, checksum: false };

interface Counted {
  total: number;
  listings: number;
  checksums: number;
  tarCreates: number;
  extractors: number;
  quotaCounts: number;
  groups: number;
  streams: number;
  other: number;
}

function count(log: string): Counted {
  const lines = log.split('\n').filter(Boolean);
  const cmds = lines
    .filter((l) => l.includes('"msg":"spawn"'))
    .map((l) => (JSON.parse(l) as { cmd: string }).cmd);
  const groups = lines
    .filter((l) => l.includes('"msg":"group synced"'))
    .map((l) => JSON.parse(l) as { streams: number });
  const listings = cmds.filter((c) => c.includes('-name tmp -printf')).length;
  const checksums = cmds.filter((c) => c.includes('sha256sum')).length;
  const tarCreates = cmds.filter((c) => /^'?tar'? '?-c'?/.test(c)).length;
  const extractors = cmds.filter((c) => c.includes('vmigrate-extract') || /^'?tar'? '?-x'?/.test(c)).length;
  // (The extractor names the quota file too: a first copy removes the one vadduser wrote.)
  const quotaCounts = cmds.filter(
    (c) => c.includes('/maildirsize') && !c.includes('vmigrate-extract'),
  ).length;
  return {
    total: cmds.length,
    listings,
    checksums,
    tarCreates,
    extractors,
    quotaCounts,
    groups: groups.length,
    streams: groups.reduce((n, g) => n + g.streams, 0),
    other: cmds.length - listings - checksums - tarCreates - extractors - quotaCounts,
  };
}

describe('remote commands of a move of many small mailboxes', () => {
  const hosts = useMailHosts();
  afterAll(async () => {
    for (const h of [hosts.old, hosts.new])
      for (const { domain } of [SMALL, LARGE])
        await h.sh(`${h.home}/bin/vdeldomain -f ${domain} >/dev/null 2>&1; true`);
  });

  it('grow with the groups and streams, and are the same otherwise for 10 times the mailboxes', async () => {
    const counted: Counted[] = [];
    for (const { domain, count: n, checksum } of [SMALL, LARGE]) {
      await manyMailboxesDomain(hosts.old.remote, lab().hosts.old, domain, n, {
        quota: '52428800S',
        clearPasswords: false,
      });
      // The relay's commands: the direct path's streams are counted by the sender, not tar -c.
      const move = runLabCli(
        [
          'move',
          domain,
          '--from',
          'old',
          '--to',
          'new',
          ...(checksum ? ['--checksum'] : []),
          '--data-path',
          'relay',
        ],
        {
          state: freshStateDir(),
        },
      );
      expect(move.code, move.stderr).toBe(0);
      expect(move.stdout).toMatch(/No differences/);
      counted.push(count(move.log));
    }
    const [few, many] = counted as [Counted, Counted];
    for (const [c, checksum] of [
      [few, true],
      [many, false],
    ] as const) {
      expect(c.groups).toBeGreaterThan(0);
      // Without checksums, the copy's source listing is what the destination is verified against.
      expect(c.listings).toBe((checksum ? 4 : 3) * c.groups);
      expect(c.checksums).toBe(checksum ? 2 * c.groups : 0);
      // No file of the users' own besides their Maildirs: every stream is the transfer's.
      expect(c.tarCreates).toBe(c.streams);
      expect(c.extractors).toBe(c.streams);
      // Every group here changes mailboxes under a quota.
      expect(c.quotaCounts).toBe(c.groups);
      expect(c.total).toBe(c.other + (checksum ? 7 : 4) * c.groups + 2 * c.streams);
    }
    // The quota files vmigrate counted are what vpopmail's own count makes of the same Maildirs.
    const files = async () =>
      (
        await hosts.new.sh(
          `d=$(${hosts.new.home}/bin/vdominfo -d ${LARGE.domain}); cd "$d" && find . -path ./postmaster -prune -o -name maildirsize -print | sort | xargs -r head -n 5`,
        )
      ).stdout;
    const quotaFiles = await files();
    expect(quotaFiles.match(/==>/g)?.length).toBeGreaterThan(LARGE.count / 2);
    // (vpopmail's count for the whole domain; postmaster, who had no quota, is given one by it.)
    await hosts.new.vp('vmoduser', '-n', '-q', '52428800S', LARGE.domain);
    expect(await files()).toBe(quotaFiles);
    // F: whatever the number of mailboxes.
    expect(many.other).toBe(few.other);
    expect(many.total).toBeLessThan(LARGE.count / 4);
    console.log(
      `commands of a move: ${SMALL.count} mailboxes with --checksum ${few.total} (F ${few.other}, G ${few.groups}, S ${few.streams}); ` +
        `${LARGE.count} mailboxes ${many.total} (F ${many.other}, G ${many.groups}, S ${many.streams}, Q ${many.quotaCounts})`,
    );
  });
});
