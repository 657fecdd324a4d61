/**
 * What the cutover tests share: a live domain of their own on the source (users, an alias, an
 * alias domain, a catch-all and a list), a byte-exact snapshot of everything a cutover may
 * touch there, and a way to wait for a CLI run's events.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { expect } from 'vitest';
import { runLabCli } from './lab-cli.js';
import type { LabMailHost } from './vpopmail.js';

export interface LiveDomain {
  name: string;
  alias: string;
  users: string[];
  /** Each address mail is sent to, and the mailboxes it ends in (none for the list). */
  routes: Array<{ address: string; mailboxes: string[]; list?: boolean }>;
}

/** Creates the domain on `host` with vpopmail's own commands (and a list by hand, as ezmlm-make would). */
export async function makeLiveDomain(host: LabMailHost, name: string): Promise<LiveDomain> {
  const alias = `alias-${name}`;
  const users = ['ann', 'ben', 'cat'];
  const run = async (...argv: string[]) => {
    const r = await host.vp(argv[0]!, ...argv.slice(1));
    expect(r.code, `${argv.join(' ')}: ${r.stderr}${r.stdout}`).toBe(0);
  };
  await run('vadddomain', name, `pm-${name}`);
  for (const u of users) await run('vadduser', `${u}@${name}`, `pw-${u}`);
  await run('vaddaliasdomain', name, alias);
  await run('valias', '-i', `&ben@${name}`, `sales@${name}`);
  const dir = (await host.vp('vdominfo', '-d', name)).stdout.split('\n')[0]!;
  const made = await host.sh(`set -e
    cd ${dir}
    printf '%s\\n' "| ${host.home}/bin/vdelivermail '' cat@${name}" > .qmail-default
    mkdir news && printf 'news\\n' > news/listname
    printf '%s\\n' '|${host.qmail}/bin/ezmlm-send ${dir}/news' > .qmail-news
    chown -R ${host.uid}:${host.gid} .qmail-default .qmail-news news
    chmod 600 .qmail-default .qmail-news`);
  expect(made.code, made.stderr).toBe(0);
  return {
    name,
    alias,
    users,
    routes: [
      { address: `ann@${name}`, mailboxes: [`ann@${name}`] },
      { address: `ben@${name}`, mailboxes: [`ben@${name}`] },
      { address: `sales@${name}`, mailboxes: [`ben@${name}`] },
      { address: `nobody@${name}`, mailboxes: [`cat@${name}`] },
      { address: `ann@${alias}`, mailboxes: [`ann@${name}`] },
      { address: `news@${name}`, mailboxes: [], list: true },
    ],
  };
}

export async function removeDomain(host: LabMailHost, name: string): Promise<void> {
  await host.sh(`${host.home}/bin/vdeldomain -f ${name} >/dev/null 2>&1; true`);
}

/**
 * After a test, whatever happened in it: a cutover it left standing is rolled back (so the
 * source's control files route nothing more for the other tests), then the domain goes from
 * both hosts.
 */
export async function leaveHostsAsFound(
  hosts: { old: LabMailHost; new: LabMailHost },
  name: string,
  state: string,
): Promise<void> {
  runLabCli(['cutover', name, '--from', 'old', '--to', 'new', '--rollback', '--poll-interval', '200'], {
    state,
  });
  await removeDomain(hosts.old, name);
  await removeDomain(hosts.new, name);
}

/**
 * Everything a cutover may change on a source, byte for byte: qmail's control files and
 * users/, the domain directory's mode and owner, and the domain's vpasswd (the users' flags).
 * Lock files vpopmail leaves behind are not content.
 */
export async function snapshotSource(host: LabMailHost, domainDir: string): Promise<string> {
  const r = await host.sh(`cd ${host.qmail} &&
    find control users -type f ! -name '*.lock' -printf '%p %m %U %G ' -exec sha256sum {} \\; | sort
    find ${domainDir} -maxdepth 0 -printf '%p %m %U %G\\n'
    cd ${domainDir} && sha256sum vpasswd vpasswd.cdb && find . -maxdepth 1 -printf '%p %m %U %G\\n' | sort`);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

export interface CliEvent {
  event: string;
  [k: string]: unknown;
}

/** Calls `on` with each --json-events line as the child prints it. */
export function onEvents(child: ChildProcessWithoutNullStreams, on: (e: CliEvent) => void): void {
  let buf = '';
  child.stdout.on('data', (d: Buffer | string) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('{')) on(JSON.parse(line) as CliEvent);
    }
  });
}

/** A journal event: a step ended, or a change on the source was written down, made or taken back. */
export const isJournalEvent = (e: CliEvent) => e.event === 'step' || e.event === 'change';
