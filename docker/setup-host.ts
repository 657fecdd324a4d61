/**
 * Builds a lab host inside a container image from the same assets as the namespace lab: the
 * vpopmail emulator installed as a real build would be, and optionally the standard fixture,
 * made with the emulator's own commands.
 *
 *   tsx docker/setup-host.ts --name old --home /home/vpopmail --uid 89 --gid 89 \
 *     --qmail /var/qmail [--addons] [--fixture standard]
 */
import { parseArgs } from 'node:util';
import { loadFixture } from '../test/lab/fixtures/load.js';
import { FIXTURES } from '../test/lab/fixtures/index.js';
import { LocalRemote } from '../test/lab/local-remote.js';
import { installEmulator } from '../test/lab/vpopmail/install.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    home: { type: 'string' },
    uid: { type: 'string' },
    gid: { type: 'string' },
    qmail: { type: 'string', default: '/var/qmail' },
    addons: { type: 'boolean', default: false },
    fixture: { type: 'string' },
  },
});
if (!values.name || !values.home || !values.uid || !values.gid) {
  console.error(
    'usage: setup-host --name N --home DIR --uid N --gid N [--qmail DIR] [--addons] [--fixture NAME]',
  );
  process.exit(2);
}
const vpopmail = { uid: Number(values.uid), gid: Number(values.gid), home: values.home };
installEmulator({
  name: values.name,
  addons: values.addons,
  vpopmail,
  qmailDir: values.qmail,
  outside: (path) => path,
  backend: 'cdb',
});
if (values.fixture) {
  const make = FIXTURES[values.fixture];
  if (!make) throw new Error(`unknown fixture ${values.fixture}`);
  const plan = make(1);
  await loadFixture(new LocalRemote(), { vpopmail }, plan);
  console.log(`fixture ${values.fixture}: ${plan.summary.domains} domains on ${values.name}`);
}
