/**
 * `npm run bench [-- --size MB --small N --users N --provision-users N --mailboxes N
 *   --mailboxes-from N --repeat N --no-wan --disk --only many-mailboxes|inventory|data-path]`
 *
 * Starts its own lab, generates reproducible corpora on old, and measures vmigrate against the
 * ways people move Maildirs without it, each run side by side in this same process and
 * repeated (median, min, max): the OpenSSH `ssh old tar -c | ssh new tar -x` pipeline (fastest
 * cipher; and multiplexed, as many at once as vmigrate), rsync over SSH driven from old, the
 * classic tarball method, and a local `tar | tar` on the same disk (the machine's limit). Then
 * the same over a WAN-like link (a proxy adding 20 ms each way), the direct data path against the
 * relay and a hand-run server-to-server pipe with the controller's links throttled to 10 MB/s
 * (and on the LAN), the relay with its channels on a stream thread per host, many small files, a delta
 * sync after 1% new mail and 5% flag changes, inventory and provisioning of a large domain (its
 * inventory from a cdb host and from a MySQL host, in round trips), and
 * a domain of thousands of small mailboxes (on plain hosts and on hosts whose shell is slow to
 * start), whose transfer and verification are compared with one tar pipe of its directory.
 * Prints a table and ratios, and writes bench/results/<time>.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { HostSession } from '../src/hosts/session.js';
import type { Remote } from '../src/remote/remote.js';
import { quote } from '../src/remote/quote.js';
import { statCpuSeconds } from '../src/remote/thread-cpu.js';
import { labHostSession } from '../test/lab/connect.js';
import { FaultProxy } from '../test/lab/fault-proxy.js';
import { readLab, startLab, stopLab, type LabInfo } from '../test/lab/lab.js';
import { manyUsersDomain, mixedCorpus, parseUserDirs, smallCorpus, type Corpus } from './corpus.js';
import { manyMailboxesDomain } from '../test/lab/many-mailboxes.js';
import { setShellStartup } from '../test/lab/slow-shell.js';
import { stats, timed, type Sample, type Stats } from './measure.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: opt } = parseArgs({
  options: {
    size: { type: 'string', default: '600' },
    small: { type: 'string', default: '30000' },
    users: { type: 'string', default: '5000' },
    'provision-users': { type: 'string', default: '500' },
    repeat: { type: 'string', default: '3' },
    'no-wan': { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '8' },
    'tmpfs-size': { type: 'string', default: '6g' },
    disk: { type: 'boolean', default: false },
    mailboxes: { type: 'string', default: '2000' },
    'mailboxes-from': { type: 'string', default: '500' },
    only: { type: 'string' },
  },
});
const REPEAT = Number(opt.repeat);
const CONCURRENCY = Number(opt.concurrency);
const CIPHER = '-c aes128-gcm@openssh.com';
/** The controller's links in the throttled scenario: 10 MB/s each way (80 Mbit/s). */
const THROTTLE = 10_000_000;

interface Row {
  scenario: string;
  method: string;
  seconds: Stats;
  mbPerSecond: Stats;
  filesPerSecond: Stats;
  maxRssMiB: number;
  /** The controller's (the local processes'), median. */
  cpuSeconds: number;
  /** The source's and the destination's servers' CPU seconds, medians (the whole command). */
  serverCpu: { source: number; destination: number };
}

const rows: Row[] = [];
const extra: Record<string, unknown> = {};

function say(text: string) {
  process.stderr.write(`${text}\n`);
}

interface Side {
  host: 'old' | 'new';
  remote: Remote;
}

/** Where each user's Maildir lives on both hosts, relative to the domain directory. */
/** What the bench reads of `vmigrate move --json`. */
interface MoveJson {
  result: {
    domains: Array<{
      outcome: string;
      seconds: number;
      transferSeconds: number;
      verifySeconds: number;
      provisioned?: { changes: number };
    }>;
  };
}

interface Layout {
  corpus: Corpus;
  srcDomainDir: string;
  dstDomainDir: string;
  /** Relative user directories, the same on both sides (checked). */
  rel: string[];
}

async function userDirs(remote: Remote, home: string, domain: string): Promise<Map<string, string>> {
  return parseUserDirs(
    (await remote.run([`${home}/bin/vuserinfo`, '-n', '-d', '-D', domain])).stdout.toString(),
  );
}

function commonParent(dirs: string[]): string {
  const parents = new Set(dirs.map((d) => d.slice(0, d.lastIndexOf('/'))));
  if (parents.size !== 1)
    throw new Error(`user directories are not in one directory: ${[...parents].join(', ')}`);
  return [...parents][0]!;
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    say('the benchmark runs its own lab (real sshd in Linux namespaces): run it as root');
    return 1;
  }
  for (const [cmd, args] of [
    ['bash', ['scripts/lab-packages.sh']],
    ['npm', ['run', '--silent', 'build']],
  ] as const) {
    const r = spawnSync(cmd, [...args], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) return 1;
  }
  // The lab on a tmpfs: what is measured is the transfer, not this machine's disk (re-creating
  // tens of thousands of files on a disk that is still writing back the last run's made the
  // same command vary fivefold here).
  // --disk: on this machine's disk instead, as a server has it; every run then starts once the
  // previous runs' writeback is done (`sync`, untimed).
  const base =
    process.env.VMIGRATE_BENCH_DIR ?? (opt.disk ? '/srv/vmigrate-bench-disk' : '/srv/vmigrate-bench');
  const stale = readLab('bench', base);
  if (stale) stopLab(stale);
  mkdirSync(base, { recursive: true });
  spawnSync('umount', [base]);
  if (!opt.disk) {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${opt['tmpfs-size']}`, 'tmpfs', base]);
    if (mounted.status !== 0)
      throw new Error(`cannot mount a tmpfs on ${base}: ${mounted.stderr.toString()}`);
  }
  const lab = await startLab('bench', base);
  const proxies: FaultProxy[] = [];
  const session = labHostSession(lab);
  try {
    return await measureAll(lab, session, proxies);
  } finally {
    await session.close();
    for (const p of proxies) await p.close();
    stopLab(lab);
    if (!opt.disk) spawnSync('umount', [base]);
  }
}

async function measureAll(lab: LabInfo, session: HostSession, proxies: FaultProxy[]): Promise<number> {
  const old: Side = { host: 'old', remote: (await session.open('old')).remote };
  const neu: Side = { host: 'new', remote: (await session.open('new')).remote };
  const oldHome = lab.hosts.old.vpopmail!.home;
  const newHome = lab.hosts.new.vpopmail!.home;
  const state = mkdtempSync(join(tmpdir(), 'vmigrate-bench-state-'));
  extra.stateDir = state;
  const runLogs = join(state, 'run-logs');
  const ssh = lab.client.sshConfig;

  // Links through delaying proxies: old-wan and new-wan, for OpenSSH and vmigrate alike.
  const wan = opt['no-wan'] ? undefined : await proxiedLinks(lab, 'wan', { delayMs: 20 }, proxies);
  const wanConfig = wan?.sshConfig ?? ssh;
  const wanProfiles = wan?.profiles ?? lab.client.vmigrateConfig;
  // The controller's links alone throttled (an operator at home), the servers on their LAN.
  const throttled = await proxiedLinks(lab, 'thr', { bytesPerSecond: THROTTLE }, proxies);
  // The hand-run server-to-server pipe logs in to new from old with the operator's key,
  // forwarded from an agent of the bench's own.
  const agent = startAgent(lab.client.key);

  // As an operator runs it: bin/run.js itself, whose shebang carries node's flags.
  const vmigrate = (args: string, config = lab.client.vmigrateConfig, sshConfig = ssh, stateDir = state) =>
    `${quote(join(ROOT, 'bin/run.js'))} ${args} --config ${quote(config)} --ssh-config ${quote(sshConfig)} --state ${quote(stateDir)}`;

  if (opt.only !== undefined && !['many-mailboxes', 'inventory', 'data-path'].includes(opt.only))
    throw new Error(`--only: unknown ${opt.only}`);
  if (opt.only === undefined || opt.only === 'data-path') await classicScenarios(opt.only === 'data-path');
  if (opt.only === undefined || opt.only === 'inventory') await inventories();
  if (opt.only === undefined || opt.only === 'many-mailboxes')
    await manyMailboxes(lab, old, neu, vmigrate, runLogs);

  print();
  const file = join(ROOT, 'bench', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ options: opt, machine: machine(), rows, ratios: ratios(), cpuBounds: cpuBounds(), extra }, null, 2)}\n`,
  );
  say(`\nresults: ${file}`);
  return 0;

  /** `dataPathOnly`: the mixed corpus on the LAN and behind a throttled controller, nothing else. */
  async function classicScenarios(dataPathOnly: boolean) {
    say(
      `generating corpora on old: mixed (${opt.size} MB)${dataPathOnly ? '' : `, small (${opt.small} files)`}`,
    );
    const mixed = await mixedCorpus(old.remote, lab.hosts.old, Number(opt.size));
    const small = dataPathOnly ? undefined : await smallCorpus(old.remote, lab.hosts.old, Number(opt.small));

    const layouts: Layout[] = [];
    for (const corpus of small ? [mixed, small] : [mixed]) {
      say(
        `${corpus.domain}: ${corpus.messages} messages, ${(corpus.bytes / 1e6).toFixed(0)} MB, ${corpus.files} files; first move (provisions it on new)`,
      );
      const first = await timed(vmigrate(`move ${corpus.domain} --from old --to new --json`));
      extra[`firstMove:${corpus.domain}`] = { seconds: first.seconds, maxRssKiB: first.maxRssKiB };
      const src = [...corpus.dirs.values()];
      const dst = [...(await userDirs(neu.remote, newHome, corpus.domain)).values()];
      const srcDomainDir = commonParent(src);
      const dstDomainDir = commonParent(dst);
      const rel = src.map((d) => d.slice(srcDomainDir.length + 1));
      if (rel.join() !== dst.map((d) => d.slice(dstDomainDir.length + 1)).join())
        throw new Error('the user directories differ in layout between old and new');
      layouts.push({ corpus, srcDomainDir, dstDomainDir, rel });
    }

    for (const layout of layouts) {
      await compare(layout, 'lan', {
        ssh,
        vmigrate: (a, st) => vmigrate(a, lab.client.vmigrateConfig, ssh, st),
        hosts: ['old', 'new'],
        lab,
        neu,
        logsTo: runLogs,
      });
      if (!opt['no-wan'] && !dataPathOnly)
        await compare(layout, 'wan', {
          ssh: wanConfig,
          vmigrate: (a, st) => vmigrate(a, wanProfiles, wanConfig, st),
          hosts: ['old-wan', 'new-wan'],
          lab,
          neu,
          logsTo: runLogs,
        });
    }
    // The direct data path where it matters: the controller's links slow, the servers' fast.
    await compare(layouts[0]!, 'throttled', {
      ssh: throttled.sshConfig,
      vmigrate: (a, st) => vmigrate(a, throttled.profiles, throttled.sshConfig, st),
      hosts: ['old-thr', 'new-thr'],
      lab,
      neu,
      logsTo: runLogs,
      agent,
    });
    if (dataPathOnly) return;

    // Delta sync: 1% new messages and 5% flag changes on the source, after a full copy.
    const m = layouts[0]!;
    await resetDest(neu, m);
    // A state store of its own: the full copy into emptied Maildirs is a first copy.
    const deltaState = mkdtempSync(join(tmpdir(), 'vmigrate-bench-delta-'));
    const inDelta = (a: string) => vmigrate(a, lab.client.vmigrateConfig, ssh, deltaState);
    const full = await timed(inDelta(`sync ${m.corpus.domain} --from old --to new --json`));
    const change = await old.remote.run([
      'sh',
      '-c',
      `cd ${quote(m.srcDomainDir)} && all=$(find . -path '*/cur/*' -type f | sort) && n=$(printf '%s\\n' "$all" | wc -l) && ` +
        `i=0; printf '%s\\n' "$all" | while IFS= read -r f; do i=$((i+1)); ` +
        // 1%: a copy of the message arrives as a new one (new unique name, in new/).
        `if [ $((i % 100)) -eq 0 ]; then d=\${f%/cur/*}; b=\${f##*/}; cp -p "$f" "$d/new/9\${b%%:*}.delta"; chown 89:89 "$d/new/9\${b%%:*}.delta"; stat -c %s "$f"; fi; ` +
        // 5%: a flag added (a rename on the source).
        `if [ $((i % 20)) -eq 0 ]; then mv "$f" "$f"T; fi; done`,
    ]);
    const addedBytes = change.stdout.toString().split('\n').filter(Boolean).map(Number);
    const delta = await timed(inDelta(`sync ${m.corpus.domain} --from old --to new --json`));
    const report = (
      JSON.parse(delta.stdout) as {
        result: { messagesCopied: number; contentBytes: number; renamed: number };
      }
    ).result;
    extra.deltaSync = {
      fullSyncSeconds: full.seconds,
      deltaSeconds: delta.seconds,
      newMessages: addedBytes.length,
      newMessageBytes: addedBytes.reduce((a, b) => a + b, 0),
      messagesCopied: report.messagesCopied,
      contentBytesSent: report.contentBytes,
      renamedForFlags: report.renamed,
    };

    // Provisioning of a large domain.
    say(`a ${opt['provision-users']}-user domain for provisioning`);
    const provDomain = 'bench-prov.example';
    await manyUsersDomain(old.remote, lab.hosts.old, provDomain, Number(opt['provision-users']));
    const prov = await timed(vmigrate(`provision ${provDomain} --from old --to new --json`));
    extra.provision = {
      users: Number(opt['provision-users']),
      seconds: prov.seconds,
      roundTrips: roundTrips(prov),
      perCommandMs: await emulatorCommandMs(neu.remote, newHome),
    };
    void oldHome;
  }

  /**
   * Inventory of a large domain on cdb (old) and on MySQL (oldsql, where the users come from the
   * table through vuserinfo and the aliases through mysql): the same round trips, whatever
   * the number of users.
   */
  async function inventories() {
    const usersDomain = 'bench-users.example';
    for (const host of ['old', 'oldsql'] as const) {
      say(`a ${opt.users}-user domain on ${host} for inventory`);
      const remote = host === 'old' ? old.remote : (await session.open(host)).remote;
      await manyUsersDomain(remote, lab.hosts[host], usersDomain, Number(opt.users));
      const inv = await timed(vmigrate(`inventory ${usersDomain} --from ${host} --json`));
      const users = (JSON.parse(inv.stdout) as { result: { users: unknown[] } }).result.users.length;
      if (users !== Number(opt.users) + 1) throw new Error(`inventory on ${host}: ${users} users`);
      extra[host === 'old' ? 'inventory' : 'inventoryMysql'] = {
        users,
        seconds: inv.seconds,
        roundTrips: roundTrips(inv),
      };
    }
  }
}

/**
 * Thousands of small mailboxes: the first move of a domain of `--mailboxes-from` and of
 * `--mailboxes` mailboxes (provisioning included: how it grows), then transfer plus
 * verification against one OpenSSH tar pipe of the same Maildirs, on the plain hosts and on
 * hosts whose root shell takes 0.2 s to start.
 */
async function manyMailboxes(
  lab: LabInfo,
  old: Side,
  neu: Side,
  vmigrate: (args: string, config?: string, sshConfig?: string, stateDir?: string) => string,
  runLogs: string,
) {
  const moves: Record<string, unknown> = {};
  let layout: Layout | undefined;
  for (const n of [Number(opt['mailboxes-from']), Number(opt.mailboxes)]) {
    const domain = `bench-many-${n}.example`;
    say(`a domain of ${n} small mailboxes`);
    const corpus = await manyMailboxesDomain(old.remote, lab.hosts.old, domain, n, {
      quota: '52428800S',
      clearPasswords: true,
    });
    const first = await timed(vmigrate(`move ${domain} --from old --to new --json`));
    const out = JSON.parse(first.stdout) as MoveJson;
    moves[n] = {
      messages: corpus.messages,
      bytes: corpus.bytes,
      seconds: first.seconds,
      transferSeconds: out.result.domains[0]?.transferSeconds,
      verifySeconds: out.result.domains[0]?.verifySeconds,
      remoteCommands: roundTrips(first),
      maxRssMiB: Math.round(first.maxRssKiB / 1024),
    };
    say(`  first move: ${first.seconds.toFixed(1)} s`);
    if (n === Number(opt.mailboxes)) {
      const domainDir = async (r: Remote, home: string) =>
        (await r.run([`${home}/bin/vdominfo`, '-d', domain])).stdout.toString().trim();
      const srcDomainDir = await domainDir(old.remote, lab.hosts.old.vpopmail!.home);
      const dstDomainDir = await domainDir(neu.remote, lab.hosts.new.vpopmail!.home);
      const rel = [...corpus.dirs.values()].map((d) => d.slice(srcDomainDir.length + 1));
      const dst = await userDirs(neu.remote, lab.hosts.new.vpopmail!.home, domain);
      if ([...corpus.dirs.keys()].some((u, i) => dst.get(u) !== `${dstDomainDir}/${rel[i]}`))
        throw new Error('the user directories differ in layout between old and new');
      layout = { corpus: { ...corpus, users: [...corpus.dirs.keys()] }, srcDomainDir, dstDomainDir, rel };
    }
  }
  extra.manyMailboxesFirstMove = moves;
  if (!layout) return;
  const ssh = lab.client.sshConfig;
  const inStore = (a: string, st: string) => vmigrate(a, lab.client.vmigrateConfig, ssh, st);
  const plain = {
    ssh,
    vmigrate: inStore,
    hosts: ['old', 'new'] as [string, string],
    lab,
    neu,
    logsTo: runLogs,
  };
  await compare(layout, 'lan', { ...plain, only: 'many' });
  for (const h of [lab.hosts.old, lab.hosts.new]) setShellStartup(h, 0.2);
  try {
    await compare(layout, 'lan', { ...plain, only: 'many slow-shell' });
  } finally {
    for (const h of [lab.hosts.old, lab.hosts.new]) setShellStartup(h, 0);
  }
}

/** The controller's link to each server through a fault proxy: OpenSSH hosts and vmigrate profiles `<host>-<suffix>`. */
async function proxiedLinks(
  lab: LabInfo,
  suffix: string,
  fault: ConstructorParameters<typeof FaultProxy>[1],
  proxies: FaultProxy[],
): Promise<{ sshConfig: string; profiles: string }> {
  const sshConfig = join(lab.dir, 'client', `ssh_config_${suffix}`);
  const profilesFile = join(lab.dir, 'client', `vmigrate-${suffix}.yaml`);
  const blocks: string[] = [readFileSync(lab.client.sshConfig, 'utf8')];
  const profiles = ['hosts:'];
  for (const name of ['old', 'new'] as const) {
    const h = lab.hosts[name];
    const p = new FaultProxy({ host: h.address, port: h.port }, fault);
    proxies.push(p);
    const port = await p.listen();
    blocks.push(
      [
        `Host ${name}-${suffix}`,
        '  HostName 127.0.0.1',
        `  Port ${port}`,
        `  HostKeyAlias ${h.address}`,
        '  User root',
        `  IdentityFile ${lab.client.key}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${lab.client.knownHosts}`,
        '  StrictHostKeyChecking yes',
      ].join('\n'),
    );
    profiles.push(
      `  ${name}-${suffix}:`,
      `    host: ${name}-${suffix}`,
      `    vpopmailDir: ${h.vpopmail!.home}`,
      '    qmailDir: /var/qmail',
      // The servers reach each other as they are, not through the controller's proxies.
      ...(name === 'new' ? [`    directAddress: ${h.address}:${h.port}`] : []),
    );
  }
  writeFileSync(sshConfig, `${blocks.join('\n\n')}\n`, { mode: 0o600 });
  writeFileSync(profilesFile, `${profiles.join('\n')}\n`, { mode: 0o600 });
  return { sshConfig, profiles: profilesFile };
}

/** An ssh-agent holding `key`, killed when the bench exits; its socket. */
function startAgent(key: string): string {
  const r = spawnSync('ssh-agent', ['-s'], { encoding: 'utf8' });
  const sock = /SSH_AUTH_SOCK=([^;]+);/.exec(r.stdout)?.[1];
  const pid = /SSH_AGENT_PID=(\d+);/.exec(r.stdout)?.[1];
  if (!sock || !pid) throw new Error(`ssh-agent did not start: ${r.stderr}`);
  process.on('exit', () => spawnSync('kill', [pid]));
  const added = spawnSync('ssh-add', [key], {
    env: { ...process.env, SSH_AUTH_SOCK: sock },
    encoding: 'utf8',
  });
  if (added.status !== 0) throw new Error(`ssh-add: ${added.stderr}`);
  return sock;
}

/** SSH exec channels the run opened, from its log (every remote command is one). */
function roundTrips(s: Sample): number {
  const log = /log: (.+)$/m.exec(s.stderr)?.[1];
  if (!log) return -1;
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"msg":"spawn"')).length;
}

/** What one emulated vpopmail command costs (a real one is C and takes milliseconds). */
async function emulatorCommandMs(remote: Remote, home: string): Promise<number> {
  const t = Date.now();
  for (let i = 0; i < 5; i++)
    await remote.exec([`${home}/bin/vuserinfo`, '-n', 'postmaster@bench-prov.example']);
  return (Date.now() - t) / 5;
}

async function resetDest(neu: Side, l: Layout) {
  const dirs = l.rel.map((r) => `${l.dstDomainDir}/${r}/Maildir`);
  await neu.remote.run(['rm', '-rf', '--', ...dirs]);
}

async function compare(
  l: Layout,
  net: 'lan' | 'wan' | 'throttled',
  ctx: {
    ssh: string;
    /** vmigrate with these arguments and its state store in `stateDir`. */
    vmigrate: (args: string, stateDir: string) => string;
    hosts: [string, string];
    lab: LabInfo;
    neu: Side;
    /** The many-mailboxes scenarios: vmigrate's transfer plus verification against one tar pipe. */
    only?: 'many' | 'many slow-shell';
    /** Where vmigrate's run logs of each sample are kept (its scratch store goes with the lab). */
    logsTo: string;
    /** An agent with the operator's key: the hand-run server-to-server pipe logs in with it. */
    agent?: string;
  },
) {
  const [from, to] = ctx.hosts;
  const boxes = l.rel.map((r) => `${r}/Maildir`);
  const s = (host: string, extraOpts = '') => `ssh -F ${quote(ctx.ssh)} ${CIPHER} ${extraOpts} ${host}`;
  const tarCmd = (paths: string[]) => `tar -c -C ${quote(l.srcDomainDir)} ${paths.map(quote).join(' ')}`;
  const tarC = (paths: string[]) => quote(tarCmd(paths));
  const tarX = quote(`tar -x -C ${quote(l.dstDomainDir)}`);
  const ctl = join(ctx.lab.dir, `ctl-${net}-%n`);
  const mux = `-o ControlPath=${quote(ctl)}`;
  const scratch = join(ctx.lab.dir, 'scratch');
  const scratchState = join(ctx.lab.dir, 'bench-state');
  const fresh = `rm -rf ${quote(scratchState)} && mkdir -m 700 ${quote(scratchState)}`;
  const methods: Record<
    string,
    {
      run: string;
      before?: string;
      after?: string;
      masters?: string[];
      /** The seconds that count, from the run's own output (default: its wall time). */
      phases?: (stdout: string) => number;
    }
  > = {
    // A state store of its own, empty each time: the copy into emptied Maildirs is a first
    // copy (with the first move's ledger, what it wrote and is now gone would be taken for
    // mail a user deleted there, and rightly not sent again).
    vmigrate: {
      before: fresh,
      run: ctx.vmigrate(
        `sync ${l.corpus.domain} --from ${from} --to ${to} --data-path relay --json`,
        scratchState,
      ),
    },
    'openssh pipeline': { run: `${s(from)} ${tarC(boxes)} | ${s(to)} ${tarX}` },
    [`openssh mux x${CONCURRENCY}`]: {
      before: [from, to]
        .map((h) => `${s(h, `${mux} -o ControlMaster=yes -o ControlPersist=600 -fN`)}`)
        .join(' && '),
      run:
        `printf '%s\\n' ${boxes.map(quote).join(' ')} | xargs -P ${CONCURRENCY} -I{} bash -o pipefail -c ` +
        quote(`${s(from, mux)} "tar -c -C ${l.srcDomainDir} {}" | ${s(to, mux)} ${tarX}`),
      after: [from, to].map((h) => `${s(h, mux)} -O exit 2>/dev/null`).join('; '),
      // The masters carry all the traffic: their CPU and memory count as the method's.
      masters: [from, to].map((h) => `${s(h, mux)} -O check`),
    },
  };
  const direct = (extraArgs = '') => ({
    before: fresh,
    run: ctx.vmigrate(
      `sync ${l.corpus.domain} --from ${from} --to ${to} --data-path direct ${extraArgs} --json`,
      scratchState,
    ),
  });
  if (net === 'throttled') {
    const dest = ctx.lab.hosts.new;
    // What an operator types to keep the mail off a slow link: old's own ssh into new.
    const serverPipe = `${tarCmd(boxes)} | ssh ${CIPHER} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -p ${dest.port} root@${dest.address} ${tarX}`;
    for (const name of Object.keys(methods)) if (name !== 'vmigrate') delete methods[name];
    methods['vmigrate direct'] = direct();
    methods['vmigrate direct x1'] = direct('--concurrency 1');
    methods['openssh old→new'] = {
      run: `SSH_AUTH_SOCK=${quote(ctx.agent ?? '')} ${s(from, '-A')} ${quote(serverPipe)}`,
    };
  } else if (ctx.only) {
    // The first move of the domain again, from the destination as provisioning leaves it (each
    // Maildir with empty cur, new and tmp, the owner's) and an empty state store: provisioning
    // finds nothing to change; timed are the move's own transfer and verification phases.
    const owner = `${ctx.lab.hosts.new.vpopmail?.uid}:${ctx.lab.hosts.new.vpopmail?.gid}`;
    const emptyMaildirs = `cd ${quote(l.dstDomainDir)} && for m in ${boxes.map(quote).join(' ')}; do mkdir -m 700 "$m" "$m/cur" "$m/new" "$m/tmp" && chown -R ${owner} "$m" || exit 1; done`;
    const firstMove = (path: 'relay' | 'direct') => ({
      before: `${fresh} && ${s(to)} ${quote(emptyMaildirs)}`,
      run: ctx.vmigrate(
        `move ${l.corpus.domain} --from ${from} --to ${to} --data-path ${path} --json`,
        scratchState,
      ),
      phases: (out: string) => {
        const d = (JSON.parse(out) as MoveJson).result.domains[0];
        if (!d || d.outcome !== 'ok' || d.provisioned?.changes !== 0)
          throw new Error(
            `the move did not go as a first move of a provisioned domain: ${out.slice(0, 2000)}`,
          );
        return d.transferSeconds + d.verifySeconds;
      },
    });
    methods.vmigrate = firstMove('relay');
    methods['vmigrate direct'] = firstMove('direct');
    for (const name of Object.keys(methods))
      if (!['vmigrate', 'vmigrate direct', 'openssh pipeline'].includes(name)) delete methods[name];
  } else if (net === 'lan') {
    // The relay with each host's channels on a thread of its own (off by default, as
    // here): what it costs or gains, and where its CPU goes (threadBusy).
    methods['vmigrate threads'] = {
      before: fresh,
      run: `VMIGRATE_RELAY_THREADS=on ${methods.vmigrate!.run}`,
    };
    methods['vmigrate direct'] = direct();
    methods['rsync from old'] = {
      run: `${s(from)} ${quote(`cd ${quote(l.srcDomainDir)} && rsync -aR -e ${quote(`ssh -F ${ctx.ssh} ${CIPHER}`)} ${boxes.map(quote).join(' ')} ${to}:${quote(l.dstDomainDir)}/`)}`,
    };
    methods['tarball method'] = {
      run: boxes
        .map(
          (b) =>
            `${s(from)} ${quote(`tar -c -f /tmp/box.tar -C ${quote(l.srcDomainDir)} ${quote(b)}`)} && ` +
            `${s(from)} 'cat /tmp/box.tar && rm /tmp/box.tar' | ${s(to)} 'cat > /tmp/box.tar' && ` +
            `${s(to)} ${quote(`tar -x -f /tmp/box.tar -C ${quote(l.dstDomainDir)} && rm /tmp/box.tar`)}`,
        )
        .join(' && '),
    };
    const upper = join(ctx.lab.hosts.old.upper.home, l.srcDomainDir.slice('/home/'.length));
    methods['local tar|tar'] = {
      before: `rm -rf ${quote(scratch)} && mkdir -p ${quote(scratch)}`,
      run: `tar -c -C ${quote(upper)} ${boxes.map(quote).join(' ')} | tar -x -C ${quote(scratch)}`,
      after: `rm -rf ${quote(scratch)}`,
    };
  }
  const scenario =
    ctx.only ?? `${l.corpus.domain.startsWith('bench-small') ? 'small files' : 'mixed'} ${net}`;
  // Each sample's run log (its peak memory by stage and group) outlives the lab.
  for (const name of Object.keys(methods).filter((n) => n.startsWith('vmigrate'))) {
    const keep = join(ctx.logsTo, `${scenario} ${name}`.replace(/\W+/g, '-'));
    methods[name] = {
      ...methods[name]!,
      after: `mkdir -p ${quote(keep)} && cp ${quote(scratchState)}/logs/*.log ${quote(keep)}/`,
    };
  }
  say(`\n${scenario}: ${Object.keys(methods).join(', ')} (x${REPEAT})`);
  const samples = new Map<string, Sample[]>();
  const wholeSeconds = new Map<string, number[]>();
  const busyByMethod = new Map<string, Record<string, number>[]>();
  for (let round = 0; round < REPEAT; round++) {
    // Rotate the order so that no method always runs on a warm or a cold cache.
    const names = Object.keys(methods);
    const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
    for (const name of order) {
      const m = methods[name]!;
      await resetDest(ctx.neu, l);
      if (opt.disk) await timed('sync');
      if (m.before) await timed(m.before);
      const masters = await Promise.all((m.masters ?? []).map(masterPid));
      const cpuBefore = masters.reduce((t, pid) => t + processCpuSeconds(pid), 0);
      const serversBefore = serverCpuSeconds(ctx.lab);
      const sample = await timed(m.run);
      const serversAfter = serverCpuSeconds(ctx.lab);
      sample.serverCpu = {
        source: serversAfter.source - serversBefore.source,
        destination: serversAfter.destination - serversBefore.destination,
      };
      if (name.startsWith('vmigrate')) {
        const busy = threadBusy(scratchState);
        if (busy) busyByMethod.set(name, [...(busyByMethod.get(name) ?? []), busy]);
      }
      if (m.phases) {
        wholeSeconds.set(name, [...(wholeSeconds.get(name) ?? []), sample.seconds]);
        sample.seconds = m.phases(sample.stdout);
      }
      for (const pid of masters) sample.maxRssKiB = Math.max(sample.maxRssKiB, processPeakRssKiB(pid));
      sample.cpuSeconds += masters.reduce((t, pid) => t + processCpuSeconds(pid), 0) - cpuBefore;
      if (m.after) await timed(m.after).catch(() => undefined);
      samples.set(name, [...(samples.get(name) ?? []), sample]);
      say(`  ${name.padEnd(18)} ${sample.seconds.toFixed(2)} s`);
    }
  }
  for (const [method, list] of wholeSeconds)
    extra[`${scenario}: ${method}, whole command (seconds)`] = stats(list);
  for (const [method, list] of busyByMethod) {
    const threads = [...new Set(list.flatMap((b) => Object.keys(b)))];
    extra[`${scenario}: ${method}, CPU seconds by thread (median)`] = Object.fromEntries(
      threads.map((t) => [t, Number(stats(list.map((b) => b[t] ?? 0)).median.toFixed(2))]),
    );
  }
  for (const [method, list] of samples) {
    rows.push({
      scenario,
      method,
      seconds: stats(list.map((x) => x.seconds)),
      mbPerSecond: stats(list.map((x) => l.corpus.bytes / 1e6 / x.seconds)),
      filesPerSecond: stats(list.map((x) => l.corpus.files / x.seconds)),
      maxRssMiB: Math.max(...list.map((x) => x.maxRssKiB)) / 1024,
      cpuSeconds: stats(list.map((x) => x.cpuSeconds)).median,
      serverCpu: {
        source: stats(list.map((x) => x.serverCpu?.source ?? 0)).median,
        destination: stats(list.map((x) => x.serverCpu?.destination ?? 0)).median,
      },
    });
  }
}

/**
 * The CPU seconds of each thread of a vmigrate run (Linux), from the run log in the state
 * directory `state`: the main thread, and each host's stream thread if any. (Their event
 * loops' busy time counts waiting for a core as busy: on two cores shared with both servers
 * it said 4.7 s for a main thread that used 2.5.)
 */
function threadBusy(state: string): Record<string, number> | undefined {
  const logs = spawnSync('sh', ['-c', `ls -t ${quote(state)}/logs/*.log 2>/dev/null | head -n 1`], {
    encoding: 'utf8',
  }).stdout.trim();
  if (!logs) return undefined;
  const busy: Record<string, number> = {};
  for (const line of readFileSync(logs, 'utf8').split('\n')) {
    if (!line.includes('"cpuSeconds"')) continue;
    const r = JSON.parse(line) as { msg: string; host?: string; cpuSeconds?: number };
    if (r.cpuSeconds === undefined) continue;
    // Since the process started: the last record holds it all.
    if (r.msg === 'main thread') busy.main = Math.max(busy.main ?? 0, r.cpuSeconds);
    else if (r.msg === 'stream thread closed' && r.host) busy[r.host] = (busy[r.host] ?? 0) + r.cpuSeconds;
  }
  return Object.keys(busy).length > 0 ? busy : undefined;
}

/** The pid of an OpenSSH ControlMaster, from `ssh -O check` ("Master running (pid=N)"). */
async function masterPid(check: string): Promise<number> {
  const r = await timed(`${check} 2>&1`);
  const pid = /pid=(\d+)/.exec(r.stdout)?.[1];
  if (!pid) throw new Error(`no ControlMaster: ${r.stdout.trim()}`);
  return Number(pid);
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User + system CPU of a running process so far (/proc/PID/stat, fields 14 and 15). */
function processCpuSeconds(pid: number): number {
  const seconds = statCpuSeconds(`/proc/${pid}/stat`, CLOCK_TICKS);
  if (seconds === undefined) throw new Error(`cannot read the CPU time of process ${pid}`);
  return seconds;
}

/**
 * CPU seconds the lab's old (source) and new (destination) servers have spent so far: all
 * that each one's sshd listener and every process below it used, those still running (a
 * session open across a method, like an OpenSSH ControlMaster's) and those reaped. (A process
 * a session leaves behind, adopted by init, would not count: none of the methods compared
 * leaves one.)
 */
function serverCpuSeconds(lab: LabInfo): { source: number; destination: number } {
  return { source: treeCpuSeconds(lab.hosts.old.pid), destination: treeCpuSeconds(lab.hosts.new.pid) };
}

/** A process's CPU seconds with its reaped children's, and its live children's likewise. */
function treeCpuSeconds(pid: number, depth = 0): number {
  const own = statCpuSeconds(`/proc/${pid}/stat`, CLOCK_TICKS, true);
  if (own === undefined) {
    if (depth === 0) throw new Error(`cannot read the CPU time of the lab's sshd ${pid}`);
    // Ended and reaped since its parent was read: its parent's figure has it from the next reading.
    return 0;
  }
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean);
  } catch {
    // ended meanwhile
  }
  return own + children.reduce((t, c) => t + treeCpuSeconds(Number(c), depth + 1), 0);
}

/** Peak resident set of a running process (VmHWM). */
function processPeakRssKiB(pid: number): number {
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

function row(scenario: string, method: string): Row | undefined {
  return rows.find((r) => r.scenario === scenario && r.method === method);
}

interface Ratio {
  what: string;
  ratio: number;
  target: number;
  /** The target is a ceiling (time, round trips), not a floor (throughput). */
  atMost?: boolean;
  met: boolean;
}

function ratios(): Ratio[] {
  const out: Ratio[] = [];
  const add = (what: string, a: number | undefined, b: number | undefined, target: number) => {
    if (a === undefined || b === undefined || b === 0) return;
    const ratio = a / b;
    out.push({ what, ratio, target, met: ratio >= target });
  };
  const v = (s: string, m: string) => row(s, m)?.mbPerSecond.median;
  add(
    'LAN: vmigrate / OpenSSH pipeline (aes128-gcm)',
    v('mixed lan', 'vmigrate'),
    v('mixed lan', 'openssh pipeline'),
    1.1,
  );
  add('LAN: vmigrate / local tar|tar', v('mixed lan', 'vmigrate'), v('mixed lan', 'local tar|tar'), 0.6);
  add(
    'LAN: vmigrate direct / OpenSSH pipeline',
    v('mixed lan', 'vmigrate direct'),
    v('mixed lan', 'openssh pipeline'),
    1,
  );
  add(
    'LAN: relay on stream threads / on the main thread',
    v('mixed lan', 'vmigrate threads'),
    v('mixed lan', 'vmigrate'),
    1,
  );
  const mb = THROTTLE / 1e6;
  add(
    `${mb} MB/s controller: direct / relay`,
    v('mixed throttled', 'vmigrate direct'),
    v('mixed throttled', 'vmigrate'),
    5,
  );
  add(
    `${mb} MB/s controller: direct x1 / ssh old "tar|ssh new"`,
    v('mixed throttled', 'vmigrate direct x1'),
    v('mixed throttled', 'openssh old→new'),
    0.9,
  );
  add(
    `${mb} MB/s controller: direct / ssh old "tar|ssh new"`,
    v('mixed throttled', 'vmigrate direct'),
    v('mixed throttled', 'openssh old→new'),
    1,
  );
  add('WAN: vmigrate / OpenSSH pipeline', v('mixed wan', 'vmigrate'), v('mixed wan', 'openssh pipeline'), 2);
  add(
    `WAN: vmigrate / OpenSSH mux x${CONCURRENCY}`,
    v('mixed wan', 'vmigrate'),
    v('mixed wan', `openssh mux x${CONCURRENCY}`),
    1.1,
  );
  add(
    'small files: vmigrate / OpenSSH pipeline (files/s)',
    row('small files lan', 'vmigrate')?.filesPerSecond.median,
    row('small files lan', 'openssh pipeline')?.filesPerSecond.median,
    1,
  );
  const at = (scenario: string, target: number) => {
    const a = row(scenario, 'vmigrate')?.seconds.median;
    const b = row(scenario, 'openssh pipeline')?.seconds.median;
    if (a === undefined || b === undefined || b === 0) return;
    // A time ratio: at most the target.
    out.push({
      what: `${scenario}: vmigrate transfer+verify / tar pipe (time)`,
      ratio: a / b,
      target,
      atMost: true,
      met: a / b <= target,
    });
  };
  at('many', 2);
  at('many slow-shell', 3);
  const trips = (k: string) => (extra[k] as { roundTrips?: number } | undefined)?.roundTrips;
  const sql = trips('inventoryMysql');
  const cdb = trips('inventory');
  if (sql !== undefined && cdb !== undefined && cdb > 0)
    out.push({
      what: `inventory of ${opt.users} users: MySQL / cdb (round trips)`,
      ratio: sql / cdb,
      target: 1,
      atMost: true,
      met: sql <= cdb,
    });
  return out;
}

const CORES = availableParallelism();

/**
 * The data path's ratios against what this machine's cores allow: here the controller and
 * both servers share them, so a method can take no less time than all its processes' CPU
 * seconds spread over every core. Each line gives that ceiling of the ratio for the CPU the
 * method used in this run, and how busy the baseline kept the cores.
 */
function cpuBounds(): string[] {
  const pairs: [string, string, string][] = [
    ['mixed lan', 'vmigrate direct', 'openssh pipeline'],
    ['mixed throttled', 'vmigrate direct x1', 'openssh old→new'],
    ['mixed throttled', 'vmigrate direct', 'openssh old→new'],
  ];
  const cpu = (r: Row) => r.cpuSeconds + r.serverCpu.source + r.serverCpu.destination;
  const split = (r: Row) =>
    `${cpu(r).toFixed(1)} (${[r.cpuSeconds, r.serverCpu.source, r.serverCpu.destination].map((x) => x.toFixed(1)).join(' + ')})`;
  const out: string[] = [];
  for (const [scenario, method, baseline] of pairs) {
    const a = row(scenario, method);
    const b = row(scenario, baseline);
    if (!a || !b || cpu(a) === 0) continue;
    const ceiling = b.seconds.median / (cpu(a) / CORES);
    const busy = cpu(b) / b.seconds.median / CORES;
    out.push(
      `  ${scenario}: ${method} / ${baseline} at most ${ceiling.toFixed(2)}x: CPU s ${split(a)} against ${split(b)} (local + old + new); ${baseline} kept ${(busy * 100).toFixed(0)}% of the cores busy`,
    );
  }
  return out;
}

function machine() {
  const r = spawnSync('sh', ['-c', 'nproc; uname -sr; ssh -V 2>&1; tar --version | head -n 1'], {
    encoding: 'utf8',
  });
  return { node: process.version, info: r.stdout.trim().split('\n') };
}

function print() {
  const f = (s: Stats, d = 1) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;
  const lines = [
    '',
    `${'scenario'.padEnd(16)} ${'method'.padEnd(18)} ${'seconds'.padEnd(20)} ${'MB/s'.padEnd(22)} ${'files/s'.padEnd(24)} RSS MiB  CPU s: local  old  new`,
  ];
  for (const r of rows)
    lines.push(
      `${r.scenario.padEnd(16)} ${r.method.padEnd(18)} ${f(r.seconds, 2).padEnd(20)} ${f(r.mbPerSecond).padEnd(22)} ${f(r.filesPerSecond, 0).padEnd(24)} ${r.maxRssMiB.toFixed(0).padStart(7)}  ${r.cpuSeconds.toFixed(1).padStart(12)} ${r.serverCpu.source.toFixed(1).padStart(4)} ${r.serverCpu.destination.toFixed(1).padStart(4)}`,
    );
  lines.push('', 'ratios (same run):');
  for (const r of ratios())
    lines.push(
      `  ${r.what.padEnd(58)} ${r.ratio.toFixed(2)}x  (target ${r.atMost ? '≤' : '≥'} ${r.target}x) ${r.met ? 'met' : 'MISSED'}`,
    );
  const bounds = cpuBounds();
  if (bounds.length > 0)
    lines.push('', `what the CPU allows on this machine's ${CORES} cores (same run):`, ...bounds);
  lines.push('', JSON.stringify(extra, null, 2));
  console.log(lines.join('\n'));
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`bench: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
