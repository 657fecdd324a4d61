/**
 * The test lab: real OpenSSH servers, each in its own network, mount and UTS namespaces, with
 * private overlays of /etc (its own passwd, so vpopmail's uid/gid differ per host), /home, /var
 * and /tmp (so each has its own vpopmail home and qmail tree). Tests reach them only
 * over SSH, exactly as vmigrate reaches production servers.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  closeSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { LAB_HOSTS, type LabHostDefinition, type LabHostName } from './hosts.js';
import {
  bridgeName,
  createBridge,
  createHostNetns,
  deleteBridge,
  deleteNetns,
  freeLabId,
  netnsName,
  netnsPids,
  sh,
  subnet,
} from './network.js';
import { sshdConfig } from './sshd-config.js';
import { prepareMariadb } from './mariadb.js';
import { installEmulator, mailServerStartLine } from './vpopmail/install.js';

/** The non-root login of every lab host; it may run anything through `sudo -n`. */
export const LAB_OPERATOR = { name: 'vmig', uid: 2000 } as const;

export const DEFAULT_LAB_BASE = process.env.VMIGRATE_LAB_DIR ?? '/srv/vmigrate-lab';

export interface LabHost {
  name: LabHostName;
  address: string;
  port: number;
  netns: string;
  pid: number;
  dir: string;
  /** Where the host's private /home, /var and /tmp live, seen from the lab machine. */
  upper: { home: string; var: string; tmp: string };
  vpopmail: { uid: number; gid: number; home: string } | undefined;
  qmailDir: string | undefined;
  /** The emulated mail server's SMTP port on hosts with vpopmail. */
  smtpPort: number | undefined;
  hostKeys: { type: string; publicKey: string }[];
}

export interface LabInfo {
  id: number;
  dir: string;
  bridge: string;
  hosts: Record<LabHostName, LabHost>;
  client: {
    key: string;
    knownHosts: string;
    sshConfig: string;
    vmigrateConfig: string;
  };
}

function keygen(file: string, type: 'ed25519' | 'rsa', comment: string) {
  sh('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '2048'] : []),
    '-N',
    '',
    '-C',
    comment,
    '-f',
    file,
  ]);
}

function labPasswd(def: LabHostDefinition): { passwd: string; group: string; shadow: string } {
  const keep = (file: string, drop: string[]) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !drop.includes(l.split(':')[0] ?? ''))
      .join('\n') + '\n';
  let passwd = keep('/etc/passwd', ['vpopmail']);
  let group = keep('/etc/group', ['vchkpw']);
  let shadow = keep('/etc/shadow', ['vpopmail']);
  // A non-root login with password-less sudo, for the sudo wrapping.
  passwd = passwd
    .split('\n')
    .filter((l) => !l.startsWith(`${LAB_OPERATOR.name}:`))
    .join('\n');
  passwd += `${LAB_OPERATOR.name}:x:${LAB_OPERATOR.uid}:${LAB_OPERATOR.uid}::/home/${LAB_OPERATOR.name}:/bin/sh\n`;
  group += `${LAB_OPERATOR.name}:x:${LAB_OPERATOR.uid}:\n`;
  shadow += `${LAB_OPERATOR.name}:*:20000:0:99999:7:::\n`;
  if (def.vpopmail) {
    const v = def.vpopmail;
    passwd += `vpopmail:x:${v.uid}:${v.gid}:vpopmail:${v.home}:/usr/sbin/nologin\n`;
    group += `vchkpw:x:${v.gid}:\n`;
    shadow += 'vpopmail:*:20000:0:99999:7:::\n';
  }
  return { passwd, group, shadow };
}

function requireTools() {
  if (process.getuid?.() !== 0) throw new Error('the lab needs root (network and mount namespaces)');
  for (const tool of ['/usr/sbin/sshd', '/usr/bin/ssh-keygen']) {
    if (!existsSync(tool))
      throw new Error(`the lab needs ${tool}: apt-get install -y openssh-server openssh-client`);
  }
  for (const tool of ['ip', 'unshare', 'nsenter']) {
    try {
      sh('sh', ['-c', `command -v ${tool}`]);
    } catch {
      throw new Error(`the lab needs ${tool}: apt-get install -y iproute2 util-linux`);
    }
  }
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
}

export function waitForPort(address: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = connect({ host: address, port });
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`sshd on ${address}:${port} did not come up`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/** The shell run inside the host's namespaces before sshd takes over. */
function namespaceScript(name: string, hostDir: string, daemons: string[]): string {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const lines = ['set -e'];
  // /etc is an overlay whose upper layer holds the host's own passwd, group, shadow, hosts
  // and sudoers. Bind mounts of those single files were detached in the host's namespace
  // whenever the machine replaced its file by a rename (a package install adding a system
  // user does), and the host then saw the machine's users: a mount of the directory is not.
  for (const d of ['etc', 'home', 'var', 'tmp']) {
    const up = join(hostDir, 'fs', d, 'upper');
    const work = join(hostDir, 'fs', d, 'work');
    lines.push(`mount -t overlay overlay -o ${q(`lowerdir=/${d},upperdir=${up},workdir=${work}`)} /${d}`);
  }
  // A home of its own for root: the lab machine's rc files are not the lab host's.
  lines.push(`mount --bind ${q(join(hostDir, 'root'))} /root`);
  lines.push(`hostname ${q(name)}`);
  lines.push(...daemons);
  lines.push(`exec /usr/sbin/sshd -D -e -f ${q(join(hostDir, 'sshd_config'))}`);
  return lines.join('\n');
}

async function startHost(
  id: number,
  labDir: string,
  def: LabHostDefinition,
  authorizedKeys: string,
): Promise<LabHost> {
  const dir = join(labDir, 'hosts', def.name);
  for (const sub of [
    'fs/etc/upper',
    'fs/etc/work',
    'root',
    'fs/home/upper',
    'fs/home/work',
    'fs/var/upper',
    'fs/var/work',
    'fs/tmp/upper',
    'fs/tmp/work',
  ]) {
    mkdirSync(join(dir, sub), { recursive: true, mode: 0o755 });
  }
  chmodSync(join(dir, 'fs/tmp/upper'), 0o1777);
  chmodSync(join(dir, 'root'), 0o700);
  const files = labPasswd(def);
  // The host's own files in the upper layer of its /etc.
  const etc = join(dir, 'fs/etc/upper');
  writeFileSync(join(etc, 'passwd'), files.passwd, { mode: 0o644 });
  writeFileSync(join(etc, 'group'), files.group, { mode: 0o644 });
  writeFileSync(join(etc, 'shadow'), files.shadow, { mode: 0o640 });
  // Host names resolve locally: the lab has no DNS, and sudo looks its own host name up.
  writeFileSync(
    join(etc, 'hosts'),
    [
      '127.0.0.1 localhost',
      '::1 localhost',
      ...LAB_HOSTS.map((h) => `${subnet(id)}.${h.octet} ${h.name}`),
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(etc, 'sudoers'),
    `root ALL=(ALL:ALL) ALL\n${LAB_OPERATOR.name} ALL=(ALL:ALL) NOPASSWD: ALL\n`,
    {
      mode: 0o440,
    },
  );
  const operatorHome = join(dir, 'fs/home/upper', LAB_OPERATOR.name);
  mkdirSync(operatorHome, { recursive: true, mode: 0o755 });
  sh('chown', [`${LAB_OPERATOR.uid}:${LAB_OPERATOR.uid}`, operatorHome]);
  keygen(join(dir, 'ssh_host_rsa_key'), 'rsa', `lab-${def.name}`);
  if (!def.legacyOnly) keygen(join(dir, 'ssh_host_ed25519_key'), 'ed25519', `lab-${def.name}`);
  writeFileSync(join(dir, 'sshd_config'), sshdConfig(def, dir, authorizedKeys));

  const upper = {
    home: join(dir, 'fs/home/upper'),
    var: join(dir, 'fs/var/upper'),
    tmp: join(dir, 'fs/tmp/upper'),
  };
  const outside = (hostPath: string): string => {
    const m = /^\/(home|var|tmp)\/(.*)$/.exec(hostPath);
    if (!m) throw new Error(`${hostPath} is not under an overlaid directory of the lab host`);
    return join(upper[m[1] as 'home' | 'var' | 'tmp'], m[2] ?? '');
  };
  const daemons: string[] = [];
  if (def.vpopmail && def.qmailDir) {
    const home = outside(def.vpopmail.home);
    mkdirSync(home, { recursive: true, mode: 0o755 });
    sh('chown', [`${def.vpopmail.uid}:${def.vpopmail.gid}`, home]);
    installEmulator({
      name: def.name,
      addons: def.name === 'old' || def.name === 'oldsql',
      vpopmail: def.vpopmail,
      qmailDir: def.qmailDir,
      outside,
      backend: def.sql ? 'mysql' : 'cdb',
      valias: def.sql?.valias === true,
    });
    if (def.sql)
      daemons.push(
        ...prepareMariadb({
          mode: def.sql.mode,
          vpopmail: def.vpopmail,
          outside,
          etcUpper: join(dir, 'fs/etc/upper'),
        }),
      );
    daemons.push(mailServerStartLine(def.qmailDir));
  }

  const address = createHostNetns(id, def.name, def.octet);
  const ns = netnsName(id, def.name);
  const logFd = openSync(join(dir, 'sshd.log'), 'a', 0o600);
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${ns}`,
      '--',
      'unshare',
      '--mount',
      '--uts',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      namespaceScript(def.name, dir, daemons),
    ],
    { detached: true, stdio: ['ignore', logFd, logFd] },
  );
  child.unref();
  closeSync(logFd);
  await waitForPort(address, 22, 10_000).catch((err: Error) => {
    const log = readFileSync(join(dir, 'sshd.log'), 'utf8');
    throw new Error(`${err.message}\n${log}`);
  });
  if (daemons.length > 0) await waitForPort(address, 25, 10_000);
  const hostKeys = (def.legacyOnly ? ['rsa'] : ['ed25519', 'rsa']).map((t) => {
    const publicKey = readFileSync(join(dir, `ssh_host_${t}_key.pub`), 'utf8').trim();
    return { type: publicKey.split(' ')[0] ?? '', publicKey };
  });
  return {
    name: def.name,
    address,
    port: 22,
    netns: ns,
    pid: child.pid ?? 0,
    dir,
    upper,
    vpopmail: def.vpopmail,
    qmailDir: def.qmailDir,
    smtpPort: daemons.length > 0 ? 25 : undefined,
    hostKeys,
  };
}

function clientFiles(lab: Omit<LabInfo, 'client'>, clientDir: string): LabInfo['client'] {
  const key = join(clientDir, 'id_ed25519');
  const knownHosts = join(clientDir, 'known_hosts');
  const sshConfig = join(clientDir, 'ssh_config');
  const vmigrateConfig = join(clientDir, 'vmigrate.yaml');
  writeFileSync(
    knownHosts,
    Object.values(lab.hosts)
      .flatMap((h) => h.hostKeys.map((k) => `${h.address} ${k.publicKey.split(' ').slice(0, 2).join(' ')}`))
      .join('\n') + '\n',
    { mode: 0o600 },
  );
  const hostBlock = (h: LabHost, alias: string = h.name, extra: string[] = []) =>
    [
      `Host ${alias}`,
      `  HostName ${h.address}`,
      `  Port ${h.port}`,
      '  User root',
      `  IdentityFile ${key}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHosts}`,
      '  StrictHostKeyChecking yes',
      '  HashKnownHosts no',
      ...(h.name === 'legacy'
        ? [
            '  KexAlgorithms +diffie-hellman-group14-sha1',
            '  HostKeyAlgorithms +ssh-rsa',
            '  Ciphers +aes128-cbc',
          ]
        : []),
      ...extra,
    ].join('\n');
  writeFileSync(
    sshConfig,
    [
      ...Object.values(lab.hosts).map((h) => hostBlock(h)),
      hostBlock(lab.hosts.old, 'old-via-jump', ['  ProxyJump jump']),
      '',
    ].join('\n\n'),
    { mode: 0o600 },
  );
  writeFileSync(
    vmigrateConfig,
    [
      '# vmigrate profiles for the lab (use with --ssh-config pointing at the ssh_config beside this file)',
      'hosts:',
      ...(['old', 'new', 'oldsql', 'newsql'] as const).flatMap((name) => [
        `  ${name}:`,
        `    host: ${name}`,
        `    vpopmailDir: ${lab.hosts[name].vpopmail?.home}`,
        `    qmailDir: ${lab.hosts[name].qmailDir}`,
      ]),
      '  legacy:',
      '    host: legacy',
      '    legacyAlgorithms: true',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return { key, knownHosts, sshConfig, vmigrateConfig };
}

export async function startLab(name: string, base = DEFAULT_LAB_BASE): Promise<LabInfo> {
  requireTools();
  for (const forbidden of ['/home', '/var', '/tmp', '/root']) {
    if (base === forbidden || base.startsWith(forbidden + '/')) {
      throw new Error(
        `the lab directory cannot be under ${forbidden}: lab hosts overlay it (set VMIGRATE_LAB_DIR)`,
      );
    }
  }
  const dir = join(base, name);
  if (existsSync(join(dir, 'lab.json')))
    throw new Error(`a lab already exists in ${dir}; stop it first (npm run lab -- down)`);
  rmSync(dir, { recursive: true, force: true });
  // The lab directory is on the path of authorized_keys, which non-root logins must reach.
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'client'), { mode: 0o700 });
  chmodSync(base, 0o755);
  const key = join(dir, 'client', 'id_ed25519');
  keygen(key, 'ed25519', 'vmigrate-lab-client');
  const authorizedKeys = join(dir, 'authorized_keys');
  // Readable by the non-root login too: sshd reads it with that user's rights.
  writeFileSync(authorizedKeys, readFileSync(`${key}.pub`), { mode: 0o644 });

  const id = freeLabId();
  createBridge(id);
  const partial = { id, dir, bridge: bridgeName(id), hosts: {} as Record<LabHostName, LabHost> };
  // Written early, so that a failed start can still be stopped cleanly.
  writeFileSync(join(dir, 'lab.json'), JSON.stringify(partial, null, 2));
  try {
    for (const def of LAB_HOSTS) {
      partial.hosts[def.name] = await startHost(id, dir, def, authorizedKeys);
      writeFileSync(join(dir, 'lab.json'), JSON.stringify(partial, null, 2));
    }
  } catch (err) {
    stopLab(partial);
    throw err;
  }
  const info: LabInfo = { ...partial, client: clientFiles(partial, join(dir, 'client')) };
  writeFileSync(join(dir, 'lab.json'), JSON.stringify(info, null, 2));
  return info;
}

export function readLab(name: string, base = DEFAULT_LAB_BASE): LabInfo | undefined {
  const file = join(base, name, 'lab.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LabInfo) : undefined;
}

/** Stop every process in the lab's namespaces (and nothing else), then remove the network. */
export function stopLab(lab: Pick<LabInfo, 'id' | 'dir'>, opts: { keepFiles?: boolean } = {}): void {
  const namespaces = LAB_HOSTS.map((h) => netnsName(lab.id, h.name));
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    for (const ns of namespaces) {
      for (const pid of netnsPids(ns)) {
        try {
          process.kill(pid, signal);
        } catch {
          // exited meanwhile
        }
      }
    }
    if (signal === 'SIGTERM') sh('sleep', ['0.2']);
  }
  namespaces.forEach(deleteNetns);
  deleteBridge(lab.id);
  if (!opts.keepFiles) rmSync(lab.dir, { recursive: true, force: true });
  else rmSync(join(lab.dir, 'lab.json'), { force: true });
}

export interface HostStatus {
  name: string;
  address: string;
  running: boolean;
}

export async function labStatus(lab: LabInfo): Promise<HostStatus[]> {
  return Promise.all(
    Object.values(lab.hosts).map(async (h) => ({
      name: h.name,
      address: `${h.address}:${h.port}`,
      running: await waitForPort(h.address, h.port, 300).then(
        () => true,
        () => false,
      ),
    })),
  );
}
