/**
 * Rebuilding maildirsize after messages moved: vpopmail's own `vmoduser -q` deletes the file
 * and counts the Maildir afresh (spec §4.7), with the quota the destination already has. Only
 * mailboxes a pass changed need it. `-n` leaves vpasswd.cdb alone: the quota written is the one
 * already there, so the cdb stays right, and each command no longer rewrites the whole cdb
 * (vpopmail rebuilds it from vpasswd after every change: a domain of N users paid N rebuilds).
 * When every user of the domain has the same quota, one command for the domain does them all.
 */
import type { BatchStep } from '../remote/batch.js';
import type { InventoryUser } from './inventory-types.js';

/** Exit status of the domain-wide step when a quota differs now: the per-user steps follow. */
export const NOT_UNIFORM = 3;

/** A quota as vpopmail itself writes it, which `vmoduser -q` parses back to the same string. */
const CANONICAL = /^(\d+S)?(,?\d+C)?$/;

const UNIFORM_SCRIPT = [
  // $1 vpasswd, $2 vmoduser, $3 quota, $4 domain
  'awk -F: -v q="$3" \'$7 != q { bad = 1 } END { exit bad }\' "$1" || exit ' + String(NOT_UNIFORM),
  'exec "$2" -n -q "$3" "$4"',
].join('\n');

export interface QuotaRebuild {
  /** One command for the whole domain, when every user has the same quota. */
  domainWide: BatchStep | undefined;
  /** One per changed mailbox: the plan, or the fallback when domainWide finds a quota changed. */
  perUser: BatchStep[];
}

/** `changed`: names of the users whose mailboxes a pass changed; `users`: the destination's. */
export function quotaRebuild(
  bin: string,
  domain: { name: string; dir: string },
  users: readonly Pick<InventoryUser, 'name' | 'quota'>[],
  changed: ReadonlySet<string>,
): QuotaRebuild {
  const counted = (q: string) => q !== 'NOQUOTA' && q !== '';
  const perUser = users
    .filter((u) => changed.has(u.name) && counted(u.quota))
    .map((u) => {
      const addr = `${u.name}@${domain.name}`;
      return {
        title: `rebuild the quota file of ${addr}`,
        // vsetuserquota upper-cases first; a quota not in vpopmail's own form goes through it.
        argv: CANONICAL.test(u.quota)
          ? [`${bin}/vmoduser`, '-n', '-q', u.quota, addr]
          : [`${bin}/vsetuserquota`, addr, u.quota],
      };
    });
  const first = users[0]?.quota ?? '';
  const uniform =
    perUser.length > 1 && CANONICAL.test(first) && counted(first) && users.every((u) => u.quota === first);
  return {
    domainWide: uniform
      ? {
          title: `rebuild the quota files of ${domain.name}`,
          argv: [
            'sh',
            '-c',
            UNIFORM_SCRIPT,
            'sh',
            `${domain.dir}/vpasswd`,
            `${bin}/vmoduser`,
            first,
            domain.name,
          ],
        }
      : undefined,
    perUser,
  };
}
