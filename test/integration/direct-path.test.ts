/**
 * The direct data path's parts over real sshd (issue 20, first part): the source's own ssh
 * logs in to the destination with the run's key, which only the controller's in-process agent
 * holds and forwards over the controller's connection to the source; the destination's
 * authorized_keys line lets that key unpack a stream into the domain and nothing else. The
 * stream goes from old to new over the lab bridge without passing through the controller.
 */
import { readFileSync } from 'node:fs';
import type { ClientChannel, ExecOptions } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { grantLine, grantMarker } from '../../src/migration/direct-grant.js';
import { installGrant, removeGrant } from '../../src/migration/direct-grant-remote.js';
import type { Remote } from '../../src/remote/remote.js';
import { receiveRequest } from '../../src/maildir/direct-request.js';
import { probeReach } from '../../src/migration/direct-reach.js';
import { directScript, directTree, type DirectRoute } from '../../src/maildir/direct-tree.js';
import { HostSession } from '../../src/hosts/session.js';
import { commandLine } from '../../src/remote/quote.js';
import { openLink, type SshLink } from '../../src/ssh/connect.js';
import { EphemeralAgent } from '../../src/ssh/ephemeral-agent.js';
import { labHostSession } from '../lab/connect.js';
import { lab } from '../helpers/lab-session.js';
import { mailHost, type LabMailHost } from '../helpers/vpopmail.js';

const SENDER = directScript('direct-sender.sh');
const EXTRACT = readFileSync(new URL('../../src/maildir/extract-script.sh', import.meta.url), 'utf8');
const D = 'direct.example';
const MARKER = grantMarker(1, D);

/** Runs a command on the link with the agent forwarded; its output and status. */
function execForwarding(
  link: SshLink,
  argv: string[],
  stdin: Buffer,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // ssh2 takes agentForward per exec; its types do not list it.
    const forwarding = { agentForward: true } as ExecOptions;
    link.client.exec(commandLine(argv), forwarding, (err, ch: ClientChannel) => {
      if (err) return reject(err);
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      ch.on('data', (d: Buffer) => (stdout += d.toString()));
      ch.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      ch.on('exit', (c: number | null) => (code = c));
      ch.on('close', () => resolve({ code, stdout, stderr }));
      ch.end(stdin);
    });
  });
}

describe('the direct data path, parts', () => {
  const agent = new EphemeralAgent();
  const session = labHostSession(lab());
  let old: LabMailHost;
  let neu: LabMailHost;
  let source: SshLink;
  let destKey = '';
  let destDir = '';
  let grantFile = '';
  let line = '';
  const drop = (h: LabMailHost) => h.sh(`${h.home}/bin/vdeldomain -f ${D} >/dev/null 2>&1; true`);

  beforeAll(async () => {
    old = await mailHost('old');
    neu = await mailHost('new');
    // Lines other tests' killed runs left (each in a store of its own, so no run removes them).
    await neu.sh("sed -i '/ vmigrate-direct [0-9]/d' /root/.ssh/authorized_keys 2>/dev/null; true");
    for (const h of [old, neu]) {
      await drop(h);
      expect((await h.vp('vadddomain', D, 'pw-direct-123')).code).toBe(0);
      expect((await h.vp('vadduser', `ann@${D}`, 'pw-direct-123')).code).toBe(0);
    }
    const ann = (await old.vp('vuserinfo', '-d', `ann@${D}`)).stdout.trim();
    await old.sh(
      [1, 2, 3]
        .map((i) => `printf 'Subject: %s\\n\\nbody %s\\n' ${i} ${i} > ${ann}/Maildir/cur/${i}.m:2,S`)
        .join('\n'),
    );
    const opts = {
      acceptNewHostKeys: false,
      passphrase: () => Promise.resolve(undefined),
      log: silentLogger(),
    };
    source = await openLink(await session.resolve('old'), { ...opts, forwardAgent: agent });
    const probe = await openLink(await session.resolve('new'), opts);
    destKey = probe.hostKey.publicKey;
    probe.close();
    destDir = (await neu.vp('vdominfo', '-d', D)).stdout.trim();
    line = grantLine({
      publicKey: agent.publicKey,
      from: [lab().hosts.old.address],
      expires: new Date(Date.now() + 3600_000),
      domainDir: destDir,
      owner: `${neu.uid}:${neu.gid}`,
      extractScript: EXTRACT,
      sudo: false,
      marker: MARKER,
    });
    grantFile = await installGrant(neu.remote, {
      login: 'root',
      sourceAddress: lab().hosts.old.address,
      line,
    });
  }, 60_000);

  afterAll(async () => {
    await removeGrant(neu.remote, grantFile, MARKER);
    source.close();
    await session.close();
    for (const h of [old, neu]) {
      await drop(h);
      await h.close();
    }
  });

  const send = (request: string, members: string[], base: string) =>
    execForwarding(
      source,
      [
        'sh',
        '-c',
        SENDER,
        'vmigrate-direct',
        destKey,
        agent.publicKey,
        lab().hosts.new.address,
        String(lab().hosts.new.port),
        'root',
        request,
        // No shared connection: this stream logs in itself.
        '-',
        `--owner=:${neu.uid}`,
        `--group=:${neu.gid}`,
        '--no-recursion',
        '--null',
        '-C',
        base,
        '-T',
        '-',
      ],
      Buffer.from(members.map((m) => `${m}\0`).join('')),
    );

  it('streams a mailbox from the source straight into the destination, owned there', async () => {
    const from = (await old.vp('vuserinfo', '-d', `ann@${D}`)).stdout.trim();
    const to = (await neu.vp('vuserinfo', '-d', `ann@${D}`)).stdout.trim();
    const members = ['cur', 'cur/1.m:2,S', 'cur/2.m:2,S', 'cur/3.m:2,S'];
    const r = await send(
      receiveRequest({ base: `${to}/Maildir`, compress: undefined, transform: '' }),
      members,
      `${from}/Maildir`,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('vmigrate-direct-status: 0 0\n');
    const arrived = await neu.sh(`cd ${to}/Maildir/cur && stat -c '%n %u:%g' * && cat 2.m:2,S`);
    expect(arrived.stdout).toBe(
      [1, 2, 3].map((i) => `${i}.m:2,S ${neu.uid}:${neu.gid}`).join('\n') + '\nSubject: 2\n\nbody 2\n',
    );
    expect(agent.signatures).toBeGreaterThanOrEqual(1);
  });

  it('is refused by the destination for anything but a stream into the domain', async () => {
    const from = (await old.vp('vuserinfo', '-d', `ann@${D}`)).stdout.trim();
    const r = await send(
      receiveRequest({ base: '/root', compress: undefined, transform: '' }),
      ['cur'],
      `${from}/Maildir`,
    );
    expect(r.code).toBe(126);
    expect(r.stderr).toContain('vmigrate-dest: vmigrate: refused: base outside the domain');
    const rootFiles = await neu.sh('ls -a /root');
    expect(rootFiles.stdout).not.toContain('cur');
  });

  it('leaves no key and no file of its own on the source', async () => {
    const base64 = agent.publicKey.split(' ')[1]!;
    const left = await old.sh(
      // The sender's temporary directory held the public half: gone with it.
      `grep -rlF -- '${base64}' /tmp /root /home 2>/dev/null; true`,
    );
    expect(left.stdout).toBe('');
  });

  it("comes off the destination by its marker, the file's other lines and modes kept", async () => {
    expect(grantFile).toBe('/root/.ssh/authorized_keys');
    await neu.sh(`printf 'ssh-ed25519 AAAAother operator@laptop' >> ${grantFile}`);
    const line2 = await installGrant(neu.remote, {
      login: 'root',
      sourceAddress: '10.9.9.9',
      line: `x ${MARKER}`,
    });
    expect(line2).toBe(grantFile);
    const before = (await neu.sh(`stat -c '%i %a %U' ${grantFile}; wc -l < ${grantFile}`)).stdout;
    expect(await removeGrant(neu.remote, grantFile, MARKER)).toBe(2);
    const after = await neu.sh(`stat -c '%i %a %U' ${grantFile}; cat ${grantFile}`);
    expect(after.stdout).toBe(`${before.split('\n')[0]}\nssh-ed25519 AAAAother operator@laptop\n`);
    expect(await removeGrant(neu.remote, grantFile, MARKER)).toBe(0);
    // Without the line the run's key is refused by sshd itself.
    const from = (await old.vp('vuserinfo', '-d', `ann@${D}`)).stdout.trim();
    const to = (await neu.vp('vuserinfo', '-d', `ann@${D}`)).stdout.trim();
    const r = await send(
      receiveRequest({ base: `${to}/Maildir`, compress: undefined, transform: '' }),
      ['cur'],
      `${from}/Maildir`,
    );
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('is not added when its line arrives cut (a controller killed while sending it)', async () => {
    const line = `restrict,from="10.9.9.9" ssh-ed25519 AAAAcut ${MARKER}`;
    const before = (await neu.sh(`cat ${grantFile}`)).stdout;
    // Cut just before the comment its removal looks for: still a key sshd would take.
    for (const keep of [line.indexOf(` ${MARKER}`), line.length + 1]) {
      const cut = Object.assign(Object.create(neu.remote) as Remote, {
        exec: (argv: Parameters<Remote['exec']>[0], o?: Parameters<Remote['exec']>[1]) =>
          neu.remote.exec(argv, { ...o, stdin: (o?.stdin as string).slice(0, keep) }),
      });
      await expect(
        installGrant(cut, { login: 'root', sourceAddress: '10.9.9.9', line }),
        `${keep} of ${line.length} characters`,
      ).rejects.toThrow(/arrived incomplete/);
      expect((await neu.sh(`cat ${grantFile}`)).stdout).toBe(before);
    }
  });

  it('tells, from the source, whether the destination is reachable and is the destination', async () => {
    const to = { hostKey: destKey, host: lab().hosts.new.address, port: lab().hosts.new.port, login: 'root' };
    const why = (r: Awaited<ReturnType<typeof probeReach>>) => (r.ok ? `ok: ${r.client}` : r.why);
    expect(why(await probeReach(old.remote, to))).toMatch(/^ok: OpenSSH_/);
    expect(why(await probeReach(old.remote, { ...to, port: 2 }))).toMatch(
      /^the source cannot reach 10\.213\.\d+\.12:2: .*Connection refused/,
    );
    const oldKey = lab().hosts.old.hostKeys.find((k) => k.type === 'ssh-ed25519')?.publicKey ?? '';
    expect(why(await probeReach(old.remote, { ...to, hostKey: oldKey }))).toMatch(
      /is not the destination \(another host key\)/,
    );
  });

  it('sweeps, while it probes, the temporary directories whose scripts are gone, and only those', async () => {
    const to = { hostKey: destKey, host: lab().hosts.new.address, port: lab().hosts.new.port, login: 'root' };
    const t = '"${TMPDIR:-/tmp}"/vmigrate-direct.';
    // A script killed with KILL (its shell gone), one still running (a run of another
    // controller), one killed before it named itself two hours ago, and one that just began.
    await old.sh(
      `rm -rf ${t}*; mkdir ${t}deadAAA ${t}liveBBB ${t}oldCCC ${t}newDDD; ` +
        `sh -c 'echo $$' > ${t}deadAAA/owner; ` +
        `(sleep 60 >/dev/null 2>&1 & echo $! > ${t}liveBBB/owner); ` +
        `touch -d '2 hours ago' ${t}oldCCC`,
    );
    try {
      const r = await probeReach(old.remote, to);
      expect(r.ok).toBe(true);
      expect(r.swept.map((d) => d.replace(/.*vmigrate-direct\./, '')).sort()).toEqual(['deadAAA', 'oldCCC']);
      const left = await old.sh(`ls -d ${t}* | sed 's/.*vmigrate-direct\\.//'`);
      // The probe's own directory is gone too: it removes it when it ends.
      expect(left.stdout.split('\n').filter(Boolean).sort()).toEqual(['liveBBB', 'newDDD']);
    } finally {
      await old.sh(`kill $(cat ${t}liveBBB/owner) 2>/dev/null; rm -rf ${t}*`);
    }
  });

  it('moves a tree through the Remote API, forwarding the agent, and names what vanished on the way', async () => {
    const forwarding = new HostSession({
      configFile: lab().client.vmigrateConfig,
      sshConfigFile: lab().client.sshConfig,
      acceptNewHostKeys: false,
      legacyAlgorithms: false,
      passphrase: () => Promise.resolve(undefined),
      log: silentLogger(),
      forwardAgent: { host: 'old', agent },
    });
    // The test before took the grant off.
    await installGrant(neu.remote, { login: 'root', sourceAddress: lab().hosts.old.address, line });
    try {
      const { remote } = await forwarding.open('old');
      const from = (await old.vp('vuserinfo', '-d', `ann@${D}`)).stdout.trim();
      const to = (await neu.vp('vuserinfo', '-d', `ann@${D}`)).stdout.trim();
      await old.sh(`printf 'Subject: 4\\n\\nbody 4\\n' > ${from}/Maildir/new/4.m`);
      const route: DirectRoute = {
        label: 'new',
        hostKey: destKey,
        runKey: agent.publicKey,
        host: lab().hosts.new.address,
        port: lab().hosts.new.port,
        login: 'root',
      };
      const r = await directTree(
        remote,
        {
          sourceBase: `${from}/Maildir`,
          destBase: `${to}/Maildir`,
          members: ['new', 'new/4.m', 'new/gone.m'],
          owner: { uid: neu.uid, gid: neu.gid },
          live: true,
        },
        route,
      );
      expect(r).toEqual({ vanished: 1, vanishedNames: ['new/gone.m'] });
      expect((await neu.sh(`cat ${to}/Maildir/new/4.m`)).stdout).toBe('Subject: 4\n\nbody 4\n');
      // Without the agent the source's ssh has nothing to log in with.
      const { remote: plain } = await session.open('old');
      await expect(
        directTree(
          plain,
          {
            sourceBase: `${from}/Maildir`,
            destBase: `${to}/Maildir`,
            members: ['new'],
            owner: { uid: neu.uid, gid: neu.gid },
          },
          route,
        ),
      ).rejects.toThrow(
        /the direct stream from old into new: old's ssh could not log in: .*Permission denied/,
      );
    } finally {
      await forwarding.close();
    }
  });
});
