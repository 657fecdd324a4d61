/** sshd_config for a lab host: our own keys, key-only root login, logs on stderr. */
import type { LabHostDefinition } from './hosts.js';

export function sshdConfig(host: LabHostDefinition, hostDir: string, authorizedKeys: string): string {
  const common = [
    'Port 22',
    'ListenAddress 0.0.0.0',
    'PidFile none',
    // The lab's key, and the login's own file as on a real server (the direct data path adds
    // its run's line there).
    `AuthorizedKeysFile ${authorizedKeys} .ssh/authorized_keys`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes yes',
    'UseDNS no',
    'PrintMotd no',
    'LogLevel VERBOSE',
    'AllowTcpForwarding yes',
    'Subsystem sftp internal-sftp',
  ];
  if (host.legacyOnly) {
    return [
      ...common,
      `HostKey ${hostDir}/ssh_host_rsa_key`,
      'KexAlgorithms diffie-hellman-group14-sha1',
      'HostKeyAlgorithms ssh-rsa',
      'Ciphers aes128-cbc',
      'MACs hmac-sha1',
      '',
    ].join('\n');
  }
  return [
    ...common,
    `HostKey ${hostDir}/ssh_host_ed25519_key`,
    `HostKey ${hostDir}/ssh_host_rsa_key`,
    '',
  ].join('\n');
}
