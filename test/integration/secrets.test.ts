/**
 * No password of the fixture leaks: after a move, a sync, a verify and a failed run, every
 * artefact — stdout and stderr (plain and --json), the run logs, the state store and its
 * journal files, and what is left on either host outside the domains (temporary directories,
 * root's home, vmigrate's own directory) — is searched for every password hash and clear-text
 * password the source holds, raw and in every encoding the code could produce: JSON-escaped,
 * shell-quoted, hex, base64 (at each alignment). Found: none.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quote } from '../../src/remote/quote.js';
import { freshStateDir, runLabCli } from '../helpers/lab-cli.js';
import { lab } from '../helpers/lab-session.js';
import { useMailHosts, type LabMailHost } from '../helpers/vpopmail.js';

const DOMAINS = ['example.com', 'xn--mller-kva.example'];

/** Every hash and clear password in the vpasswd files of the domains on `h`. */
async function secretsOf(h: LabMailHost): Promise<string[]> {
  const found = new Set<string>();
  for (const domain of DOMAINS) {
    const dir = (await h.vp('vdominfo', '-d', domain)).stdout.split('\n')[0] ?? '';
    const vpasswd = await h.sh(`cat ${quote(`${dir}/vpasswd`)}`);
    expect(vpasswd.code).toBe(0);
    for (const line of vpasswd.stdout.split('\n').filter(Boolean)) {
      const f = line.split(':');
      for (const secret of [f[1], f[7]]) if (secret && secret.length >= 6) found.add(secret);
    }
  }
  return [...found];
}

/** The inner part of `s` in base64 when it starts at each of the three byte alignments. */
function base64Forms(s: string): string[] {
  const bytes = Buffer.from(s, 'utf8');
  return [0, 1, 2].flatMap((pad) => {
    const b64 = Buffer.concat([Buffer.alloc(pad), bytes]).toString('base64');
    // Leading characters carry padding bits, trailing ones the following bytes: drop both.
    const inner = b64.slice(Math.ceil((pad * 4) / 3) + 1, -4);
    return inner.length >= 8 ? [inner] : [];
  });
}

/** Each way a secret could be written out by vmigrate. */
function forms(secret: string): string[] {
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    quote(secret),
    Buffer.from(secret, 'utf8').toString('hex'),
    ...base64Forms(secret),
  ];
}

/** Each artefact holding a secret in any of its forms, and in which. */
function leaksIn(
  artefacts: ReadonlyArray<{ where: string; bytes: Buffer }>,
  secrets: readonly string[],
): string[] {
  const leaks: string[] = [];
  for (const a of artefacts) {
    const form = secrets.flatMap(forms).find((f) => a.bytes.includes(Buffer.from(f, 'utf8')));
    if (form !== undefined) leaks.push(`${a.where} holds a password (as ${form})`);
  }
  return leaks;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    const st = lstatSync(p);
    return st.isDirectory() ? filesUnder(p) : st.isFile() ? [p] : [];
  });
}

describe('secrets', () => {
  const hosts = useMailHosts();
  afterAll(async () => {
    for (const d of DOMAINS)
      await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f ${d} >/dev/null 2>&1; true`);
  });

  it('appear in no artefact of a move, a sync, a verify and a failed run', async () => {
    const secrets = await secretsOf(hosts.old);
    // Hashes and clear passwords of several users, the clear ones among them.
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    expect(secrets.some((s) => !s.startsWith('$'))).toBe(true);

    const state = freshStateDir();
    const [domain, idn] = DOMAINS as [string, string];
    const hosts2 = ['--from', 'old', '--to', 'new'];
    const runs = [
      runLabCli(['move', domain, ...hosts2], { state }),
      runLabCli(['move', idn, ...hosts2, '--json'], { state }),
      runLabCli(['sync', domain, ...hosts2, '--json-events'], { state }),
      runLabCli(['verify', domain, ...hosts2, '--checksum', '--json'], { state }),
      runLabCli(['plan', idn, ...hosts2, '--json'], { state }),
      runLabCli(['inventory', domain, '--from', 'old', '--json'], { state }),
      runLabCli(['inventory', idn, '--from', 'old'], { state }),
      runLabCli(['status', '1', '--json'], { state }),
      // A failed run: the domain does not exist.
      runLabCli(['move', 'nosuch.example', ...hosts2], { state }),
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 5]);

    const artefacts: Array<{ where: string; bytes: Buffer }> = [
      ...runs.flatMap((r, i) => [
        { where: `run ${i} stdout`, bytes: Buffer.from(r.stdout) },
        { where: `run ${i} stderr`, bytes: Buffer.from(r.stderr) },
      ]),
      ...filesUnder(state).map((f) => ({ where: f, bytes: readFileSync(f) })),
    ];
    // The state store and the runs' logs.
    const local = artefacts.filter((a) => a.where.startsWith(state)).map((a) => a.where);
    expect(local.some((f) => f.endsWith('vmigrate.sqlite'))).toBe(true);
    expect(local.filter((f) => f.endsWith('.log')).length).toBeGreaterThanOrEqual(runs.length - 1);
    // What a run can leave on a host outside the domains: its temporary directories, root's
    // home, vmigrate's own directory in the vpopmail home. The hosts' /tmp and /var are
    // overlays whose upper layers (what the host itself wrote) the lab machine can read.
    for (const name of ['old', 'new'] as const) {
      const h = lab().hosts[name];
      const home = h.vpopmail!.home;
      const homeUpper = home.startsWith('/home/') ? h.upper.home : h.upper.var;
      const places = [
        h.upper.tmp,
        join(h.upper.var, 'tmp'),
        join(h.dir, 'root'),
        join(homeUpper, home.replace(/^\/(home|var)\//, ''), '.vmigrate'),
      ];
      for (const place of places.filter((p) => existsSync(p)))
        for (const f of filesUnder(place)) artefacts.push({ where: `${name}:${f}`, bytes: readFileSync(f) });
    }

    // The search finds a secret written out in each encoding, embedded anywhere (a control).
    const control = secrets.slice(0, 3).flatMap((secret, i) => [
      { where: 'control json', bytes: Buffer.from(JSON.stringify({ x: `a"${secret}` })) },
      {
        where: 'control base64',
        bytes: Buffer.from(Buffer.from(`${'-'.repeat(i)}${secret}!`).toString('base64')),
      },
      { where: 'control hex', bytes: Buffer.from(`0x${Buffer.from(secret).toString('hex')}`) },
    ]);
    expect(leaksIn(control, secrets.slice(0, 3)).length).toBe(control.length);
    const leaks = leaksIn(artefacts, secrets);
    expect(leaks).toEqual([]);
  });
});
