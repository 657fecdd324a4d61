/**
 * `npm run demo`: a real move on the built-in lab, start to finish. Starts two lab servers
 * (old: vpopmail under /home/vpopmail, uid 89; new: /var/vpopmail, uid 1089), loads the
 * standard fixture on old, runs `vmigrate move example.com --from old --to new` with its
 * progress display, verifies every message by SHA-256, prints where the log is, and stops the
 * lab again (also on Ctrl-C or failure).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNamedFixture } from '../test/lab/fixtures/index.js';
import { readLab, startLab, stopLab, type LabInfo } from '../test/lab/lab.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LAB_NAME = 'demo';
const DOMAIN = process.env.VMIGRATE_DEMO_DOMAIN ?? 'example.com';

function step(text: string) {
  console.log(`\n=== ${text}`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    console.error(
      'The demo lab runs real sshd servers in Linux namespaces, which needs root: run `sudo npm run demo`.',
    );
    return 1;
  }
  step('Lab prerequisites (Debian packages, only where missing)');
  if (run('bash', ['scripts/lab-packages.sh']) !== 0) return 1;
  step('Building vmigrate');
  if (run('npm', ['run', '--silent', 'build']) !== 0) return 1;

  const stale = readLab(LAB_NAME);
  if (stale) stopLab(stale);
  step('Starting the lab: old and new, two real OpenSSH servers with vpopmail (emulated)');
  const lab: LabInfo = await startLab(LAB_NAME);
  const stop = () => {
    stopLab(lab);
    console.log(`\nlab stopped`);
  };
  process.once('SIGINT', () => {
    stop();
    process.exit(130);
  });
  try {
    console.log(`  old ${lab.hosts.old.address}  vpopmail ${lab.hosts.old.vpopmail?.home}`);
    console.log(`  new ${lab.hosts.new.address}  vpopmail ${lab.hosts.new.vpopmail?.home}`);
    step('Loading the standard fixture on old (102 domains; about 45 s)');
    const started = Date.now();
    const { plan } = await loadNamedFixture(lab, 'standard');
    console.log(
      `  ${plan.summary.domains} domains, ${(plan.summary.messageBytes / 1048576).toFixed(1)} MiB of mail, ` +
        `in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    const state = mkdtempSync(join(tmpdir(), 'vmigrate-demo-'));
    const cli = (...args: string[]) =>
      run('bin/run.js', [
        ...args,
        '--config',
        lab.client.vmigrateConfig,
        '--ssh-config',
        lab.client.sshConfig,
        '--state',
        state,
      ]);
    step(`vmigrate move ${DOMAIN} --from old --to new`);
    const moved = cli('move', DOMAIN, '--from', 'old', '--to', 'new');
    if (moved !== 0) return moved;
    step(`vmigrate verify ${DOMAIN} --from old --to new --checksum`);
    const verified = cli('verify', DOMAIN, '--from', 'old', '--to', 'new', '--checksum');
    if (verified !== 0) return verified;
    step('vmigrate status');
    cli('status');
    console.log(
      `\n${DOMAIN} moved from old to new and verified message by message.` +
        `\nThe state store and the run logs are in ${state}.`,
    );
    return 0;
  } finally {
    stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`demo: ${err.message}`);
    process.exit(1);
  },
);
