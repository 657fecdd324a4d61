/** The verification of a domain: every mailbox of both hosts listed (and summed) and compared. */
import type { HostPair } from '../hosts/open-hosts.js';
import { openPair } from '../hosts/open-hosts.js';
import type { HostSession } from '../hosts/session.js';
import { listMaildirs } from '../maildir/listing.js';
import { forEachGroup } from '../maildir/mailbox-groups.js';
import type { WrittenMessage } from '../maildir/delta.js';
import type { Mailbox } from '../maildir/sync.js';
import { compareMailbox, messageChecksums, type MailboxVerdict } from '../maildir/verify.js';
import { sourceChecksums, sourceListingsOrFail } from '../maildir/source-mailboxes.js';
import type { Records } from '../state/records.js';
import type { Inventory } from '../vpopmail/inventory-types.js';
import { readInventory } from '../vpopmail/inventory.js';
import { recordedSourceReader } from './source-reader.js';
import { mailboxesOf } from './transfer.js';

export async function verifyDomain(
  hosts: HostPair,
  source: Inventory,
  dest: Inventory,
  options: {
    concurrency: number;
    checksum: boolean;
    /** The ledger, so that what users did on the destination is not taken for a difference. */
    written?: ((box: Mailbox) => ReadonlyMap<string, WrittenMessage>) | undefined;
  },
): Promise<MailboxVerdict[]> {
  // Groups of mailboxes, a bounded number at once: one command per side (and one for each
  // side's checksums) per group, and only that many groups' listings in memory.
  const verdicts: MailboxVerdict[] = [];
  await forEachGroup(mailboxesOf(source, dest), options.concurrency, async (group) => {
    const dirs = group.map((box) => box.destDir);
    // Listings and checksums of both sides all run at once: four independent reads.
    const [a, b, sa, sb] = await Promise.all([
      sourceListingsOrFail(hosts.source.remote, group),
      listMaildirs(hosts.dest.remote, dirs),
      options.checksum ? sourceChecksums(hosts.source.remote, group) : [],
      options.checksum ? messageChecksums(hosts.dest.remote, dirs) : [],
    ]);
    group.forEach((box, i) =>
      verdicts.push(
        compareMailbox(
          box.label,
          a[i] ?? [],
          b[i] ?? [],
          options.checksum ? { source: sa[i] ?? new Map(), destination: sb[i] ?? new Map() } : undefined,
          () => options.written?.(box) ?? new Map(),
        ),
      ),
    );
  });
  return verdicts.sort((x, y) => (x.label < y.label ? -1 : 1));
}

export interface VerifyResult {
  domain: string;
  /** Differences in all (a message missing, or differing in size, flags or checksum). */
  problems: number;
  verdicts: MailboxVerdict[];
}

/** `vmigrate verify`: the domain as each host has it now, compared mailbox by mailbox. */
export async function verifyBetween(
  session: HostSession,
  domain: string,
  ask: { from: string; to: string; concurrency: number; checksum: boolean },
  records: Pick<Records, 'copied' | 'runs' | 'file'>,
): Promise<VerifyResult> {
  const hosts = await openPair(session, ask.from, ask.to);
  const source = recordedSourceReader(hosts, domain, ask, records);
  const [sourceInv, dest] = await Promise.all([
    source.read(),
    readInventory(hosts.dest.remote, hosts.dest.caps, domain),
  ]);
  const { copied } = records;
  const written = (box: Mailbox) =>
    copied.written({ source: ask.from, destination: ask.to, domain, mailbox: box.label });
  const verdicts = await verifyDomain(hosts, sourceInv, dest, { ...ask, written });
  return { domain, problems: verdicts.reduce((n, v) => n + v.problems.length, 0), verdicts };
}
