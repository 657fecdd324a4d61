/**
 * `npm run lab -- up|down|status|slow-shell SECONDS`: the lab for manual use, under
 * VMIGRATE_LAB_DIR/manual.
 */
import { loadNamedFixture } from './fixtures/index.js';
import { labStatus, readLab, startLab, stopLab, type LabInfo } from './lab.js';
import { setShellStartup } from './slow-shell.js';

const NAME = process.env.VMIGRATE_LAB_NAME ?? 'manual';

function howToReach(lab: LabInfo): string {
  const c = lab.client;
  const lines = [
    `lab ${lab.dir} (network ${lab.bridge})`,
    '',
    ...Object.values(lab.hosts).map(
      (h) =>
        `  ${h.name.padEnd(7)} ${h.address}:${h.port}${h.vpopmail ? `  vpopmail ${h.vpopmail.home} uid ${h.vpopmail.uid} gid ${h.vpopmail.gid}` : ''}`,
    ),
    '',
    'reach a host with OpenSSH:',
    `  ssh -F ${c.sshConfig} old`,
    'or with vmigrate:',
    `  bin/run.js hosts check old new --config ${c.vmigrateConfig} --ssh-config ${c.sshConfig}`,
    'or export these and drop the flags:',
    `  export VMIGRATE_CONFIG=${c.vmigrateConfig}`,
    `  export VMIGRATE_SSH_CONFIG=${c.sshConfig}`,
  ];
  return lines.join('\n');
}

async function main(): Promise<number> {
  const [verb, ...rest] = process.argv.slice(2);
  const fixtureAt = rest.indexOf('--fixture');
  const fixture = fixtureAt >= 0 ? rest[fixtureAt + 1] : undefined;
  const seedAt = rest.indexOf('--seed');
  const seed = seedAt >= 0 ? Number(rest[seedAt + 1]) : 1;
  const slowAt = rest.indexOf('--slow-shell');
  const slow =
    verb === 'slow-shell'
      ? Number(rest[0] ?? 0.2)
      : slowAt >= 0
        ? Number(rest[slowAt + 1] ?? 0.2)
        : undefined;
  const applySlowShell = (lab: LabInfo) => {
    if (slow === undefined || Number.isNaN(slow)) return;
    for (const h of [lab.hosts.old, lab.hosts.new]) setShellStartup(h, slow);
    console.log(
      slow > 0
        ? `root's shell on old and new now starts in ${slow} s more\n`
        : "root's shell start-up is back to normal\n",
    );
  };
  switch (verb) {
    case 'slow-shell': {
      const lab = readLab(NAME);
      if (!lab) {
        console.error('the lab is not up');
        return 1;
      }
      applySlowShell(lab);
      return 0;
    }
    case 'up': {
      const existing = readLab(NAME);
      if (existing) {
        console.log(`the lab is already up\n\n${howToReach(existing)}`);
        return 0;
      }
      const lab = await startLab(NAME);
      if (fixture) {
        const started = Date.now();
        try {
          const { plan } = await loadNamedFixture(lab, fixture, seed);
          const msgs = Object.values(plan.summary.messages).reduce((a, b) => a + b, 0);
          console.log(
            `fixture ${fixture} (seed ${seed}) on old: ${plan.summary.domains} domains, ${msgs} messages, ` +
              `${(plan.summary.messageBytes / 1048576).toFixed(1)} MiB, in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
          );
        } catch (err) {
          stopLab(lab);
          throw err;
        }
      }
      applySlowShell(lab);
      console.log(howToReach(lab));
      return 0;
    }
    case 'down': {
      const lab = readLab(NAME);
      if (!lab) {
        console.log('no lab is running');
        return 0;
      }
      stopLab(lab);
      console.log(`lab ${lab.dir} stopped`);
      return 0;
    }
    case 'status': {
      const lab = readLab(NAME);
      if (!lab) {
        console.log('no lab is running');
        return 3;
      }
      const status = await labStatus(lab);
      for (const s of status)
        console.log(`${s.name.padEnd(7)} ${s.address.padEnd(18)} ${s.running ? 'running' : 'DOWN'}`);
      return status.every((s) => s.running) ? 0 : 1;
    }
    default:
      console.error(
        'usage: npm run lab -- up [--fixture standard [--seed N]] [--slow-shell SECONDS] | slow-shell SECONDS | down | status',
      );
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`lab: ${err.message}`);
    process.exit(1);
  },
);
