/** `npm run lab -- up|down|status`: the lab for manual use, under VMIGRATE_LAB_DIR/manual. */
import { labStatus, readLab, startLab, stopLab, type LabInfo } from './lab.js';

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
    `  node bin/run.js hosts check old new --config ${c.vmigrateConfig} --ssh-config ${c.sshConfig}`,
    'or export these and drop the flags:',
    `  export VMIGRATE_CONFIG=${c.vmigrateConfig}`,
  ];
  return lines.join('\n');
}

async function main(): Promise<number> {
  const [verb] = process.argv.slice(2);
  switch (verb) {
    case 'up': {
      const existing = readLab(NAME);
      if (existing) {
        console.log(`the lab is already up\n\n${howToReach(existing)}`);
        return 0;
      }
      const lab = await startLab(NAME);
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
      console.error('usage: npm run lab -- up|down|status');
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
