/**
 * Domain limits as `vmoddomlimits -S` shows them, turned back into the vmoddomlimits options
 * that reproduce them (spec 5.12). Going through the command rather than copying
 * `.qmailadmin-limits` keeps working where limits live in MySQL. Pure.
 */

const COUNTS: Array<[label: string, option: string]> = [
  ['Max Pop Accounts', '-P'],
  ['Max Aliases', '-A'],
  ['Max Forwards', '-F'],
  ['Max Autoresponders', '-R'],
  ['Max Mailinglists', '-L'],
  ['Domain Quota', '-Q'],
  ['Default User Quota', '-q'],
  ['Max Domain Messages', '-M'],
  ['Default Max Messages per User', '-m'],
];

const PERMISSIONS: Array<[label: string, option: string]> = [
  ['pop account', '-p'],
  ['alias', '-a'],
  ['forward', '-f'],
  ['autoresponder', '-r'],
  ['mailinglist', '-l'],
  ['mailinglist users', '-u'],
  ['mailinglist moderators', '-o'],
  ['quota', '-x'],
  ['default quota', '-z'],
];

/** The vmoddomlimits options (without the domain) that set what `show` shows. */
export function limitsArgs(show: string): string[] {
  const lines = show.split('\n');
  const value = (label: string): string | undefined => {
    const line = lines.find((l) => l.startsWith(`${label}:`));
    return line?.slice(label.length + 1).trim();
  };
  const args: string[] = [];
  for (const [label, option] of COUNTS) {
    const m = /^(\d+)/.exec(value(label) ?? '');
    if (m?.[1] !== undefined) args.push(option, m[1]);
  }
  args.push('-g', value('Flags (for commandline)') ?? '');
  for (const [label, option] of PERMISSIONS) {
    const line = lines.find((l) => new RegExp(`^\\s+${label}:\\s`).test(l));
    if (!line) continue;
    // The letters name what is denied: c(reate) m(odify) d(elete).
    const denied = [...line.matchAll(/DENY_(CREATE|MODIFY|DELETE)/g)]
      .map((m) => (m[1] ?? '').charAt(0).toLowerCase())
      .join('');
    args.push(option, denied);
  }
  return args;
}

/** `-S` output without its first two lines (the domain's name differs between hosts' views). */
export function comparableLimits(show: string | undefined): string | undefined {
  return show
    ?.split('\n')
    .filter((l) => !/^(Domain: |Default limits: |--$)/.test(l))
    .map((l) => l.trimEnd())
    .join('\n');
}
