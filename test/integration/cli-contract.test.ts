/**
 * The command contract as a new operator meets it: no run left behind by a start that failed,
 * runs abandoned and pruned, one JSON document for a batch's dry run, help and suggestions,
 * the environment in place of flags, a reader that goes away, a missing list file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters as plain } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, shipped } from '../helpers/cli.js';
import { envelopeOf, freshStateDir, resultOf, runLabCli } from '../helpers/lab-cli.js';
import { lab } from '../helpers/lab-session.js';
import { useMailHosts } from '../helpers/vpopmail.js';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

describe('runs', () => {
  const hosts = useMailHosts();
  afterAll(async () => {
    await hosts.new.sh(`${hosts.new.home}/bin/vdeldomain -f filler003.example >/dev/null 2>&1; true`);
  });

  it('a start that fails before it begins leaves no run for resume to pick up', () => {
    const state = freshStateDir();
    const unknown = runLabCli(['move', 'example.com', '--from', 'nosuch', '--to', 'new'], { state });
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/cannot resolve host name nosuch/);
    const same = runLabCli(['move', 'example.com', '--from', 'old', '--to', 'old'], { state });
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/--from and --to name the same host \(old\)/);
    const sync = runLabCli(['sync', 'example.com', '--from', 'nosuch', '--to', 'new'], { state });
    expect(sync.code).toBe(4);
    expect(resultOf<{ runs: unknown[] }>(runLabCli(['status', '--json'], { state }).stdout).runs).toEqual([]);
    const resume = runLabCli(['resume'], { state });
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/no unfinished run in this state store/);
  });

  it('a run with a domain that cannot move is abandoned, then pruned; the next move starts afresh', () => {
    const state = freshStateDir();
    const list = join(state, 'domains.txt');
    writeFileSync(list, 'filler003.example\nnot-there.example\n');
    const r = runLabCli(['move', '--list', list, '--from', 'old', '--to', 'new'], { state });
    expect(r.code, r.stderr).toBe(5);
    expect(r.stdout).toMatch(/give it up: vmigrate runs abandon 1/);
    const detail = runLabCli(['status', '1'], { state });
    expect(detail.stdout).toMatch(/filler003\.example\s+done/);
    expect(detail.stdout).toMatch(/resume with: vmigrate resume 1/);

    const abandoned = runLabCli(['runs', 'abandon', '1'], { state });
    expect(abandoned.code, abandoned.stderr).toBe(0);
    expect(abandoned.stdout).toMatch(/run 1 abandoned/);
    expect(runLabCli(['status', '1'], { state }).stdout).not.toMatch(/resume with/);
    const resume = runLabCli(['resume'], { state });
    expect(resume.code).toBe(2);
    expect(runLabCli(['resume', '1'], { state }).stderr).toMatch(/run 1 was abandoned/);

    // The same move asked again is a new run, not the abandoned one.
    const again = runLabCli(['move', '--list', list, '--from', 'old', '--to', 'new', '--json'], { state });
    expect(resultOf<{ run: number; continued: boolean }>(again.stdout)).toMatchObject({
      run: 2,
      continued: false,
    });

    const pruned = runLabCli(['runs', 'prune', '--older-than', '0', '--json'], { state });
    expect(resultOf<{ pruned: number[] }>(pruned.stdout).pruned).toEqual([1]);
    const left = resultOf<{ runs: Array<{ id: number }> }>(runLabCli(['status', '--json'], { state }).stdout);
    expect(left.runs.map((x) => x.id)).toEqual([2]);
  });
});

describe('a batch dry run', () => {
  it('prints one JSON document with every domain, carrying on past one that cannot be planned', () => {
    const state = freshStateDir();
    const list = join(state, 'domains.txt');
    writeFileSync(list, 'example.org\nnot-there.example\nfiller002.example\n');
    const r = runLabCli(['move', '--list', list, '--from', 'old', '--to', 'new', '--dry-run', '--json'], {
      state,
    });
    expect(r.code).toBe(5);
    const e = envelopeOf(r.stdout);
    expect(e).toMatchObject({ command: 'move', outcome: 'unfit', exitCode: 5 });
    const plans = (
      e.result as { plans: Array<{ domain: string; outcome: string; error?: { message: string } }> }
    ).plans;
    expect(plans.map((p) => [p.domain, p.outcome])).toEqual([
      ['example.org', 'ok'],
      ['not-there.example', 'unfit'],
      ['filler002.example', 'ok'],
    ]);
    expect(plans[1]?.error?.message).toMatch(/not-there\.example does not exist on old/);
  });
});

describe('the command line', () => {
  it('has help for each command, and suggests the command meant on a terminal', () => {
    const help = runCli(['help', 'move']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/USAGE\n\s+\$ vmigrate move \[DOMAIN\]/);
    expect(help.stdout).toMatch(/\[env: VMIGRATE_CONFIG\]/);
    expect(help.stdout).toMatch(/\[env: VMIGRATE_SSH_CONFIG\]/);
    const typo = runCli(['stauts']);
    expect(typo.code).toBe(127);
    // CI may force colour on (FORCE_COLOR); the words matter, not the escapes.
    expect(plain(typo.stderr)).toMatch(/stauts is not a vmigrate command/);
    // On a terminal the suggestion is offered (here declined).
    const tty = spawnSync('script', ['-qec', `${process.execPath} ${BIN} stauts`, '/dev/null'], {
      input: 'n\n',
      encoding: 'utf8',
      env: { ...process.env, ...shipped },
      timeout: 30_000,
    });
    expect(plain(tty.stdout)).toMatch(/Did you mean .*status/);
  });

  it('takes its configuration files from the environment', () => {
    const c = lab().client;
    const r = runCli(['hosts', 'check', 'old', '--state', freshStateDir()], {
      VMIGRATE_CONFIG: c.vmigrateConfig,
      VMIGRATE_SSH_CONFIG: c.sshConfig,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^old: ok$/m);
  });

  it('names a domain list that does not exist, and reaches no host', () => {
    const r = runLabCli(['move', '--list', '/nonexistent/domains.txt', '--from', 'nosuch', '--to', 'new']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /cannot read the domain list \/nonexistent\/domains\.txt: there is no such file/,
    );
    expect(r.stderr).not.toMatch(/ENOENT/);
  });

  it('exits 0 when its reader goes away early (2>&1 | head -2)', async () => {
    const c = lab().client;
    const child = spawn(
      process.execPath,
      [
        BIN,
        'plan',
        'big.example',
        '--from',
        'old',
        '--to',
        'new',
        '--config',
        c.vmigrateConfig,
        '--ssh-config',
        c.sshConfig,
        '--state',
        freshStateDir(),
      ],
      { env: { ...process.env, ...shipped } },
    );
    // Like `head`: the pipe both outputs go to closes before most of them is written.
    child.stdout.destroy();
    child.stderr.destroy();
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(0);
  });
});
