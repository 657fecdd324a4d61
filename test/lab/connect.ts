/** An SSH connection to a lab host through vmigrate's own transport, for the lab's tools. */
import { HostSession } from '../../src/hosts/session.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Remote } from '../../src/remote/remote.js';
import type { LabHostName } from './hosts.js';
import type { LabInfo } from './lab.js';

/** A host session over the lab's own configuration, known hosts and key. */
export function labHostSession(lab: LabInfo): HostSession {
  return new HostSession({
    configFile: lab.client.vmigrateConfig,
    sshConfigFile: lab.client.sshConfig,
    acceptNewHostKeys: false,
    legacyAlgorithms: false,
    passphrase: () => Promise.resolve(undefined),
    log: silentLogger(),
  });
}

export async function withLabRemote<T>(
  lab: LabInfo,
  host: LabHostName,
  fn: (remote: Remote) => Promise<T>,
): Promise<T> {
  const session = labHostSession(lab);
  try {
    const { remote } = await session.open(host);
    return await fn(remote);
  } finally {
    await session.close();
  }
}
