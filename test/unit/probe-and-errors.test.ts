import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ConnectionError,
  ExitCode,
  exitCodeOf,
  HostKeyError,
  PreconditionError,
  UsageError,
  VerificationError,
} from '../../src/errors.js';
import { missingRequirements, parseProbe } from '../../src/remote/probe.js';

const GOOD = [
  'VMIGRATE-PROBE-BEGIN',
  'os=Linux',
  'os_release=6.1.0',
  'hostname=mail1',
  'login_uid=0',
  'tar=tar (GNU tar) 1.34',
  'find=find (GNU findutils) 4.9.0',
  'vpopmail_dir=/home/vpopmail',
  'vpopmail_uid=89',
  'vpopmail_gid=89',
  'vpopmail_bin=/home/vpopmail/bin',
  'vpopmail_version=5.4.33',
  'qmail_dir=/var/qmail',
  'qmail_control=yes',
  'prog.gzip=/usr/bin/gzip',
  'prog.zstd=',
  'prog.autorespond=/usr/local/bin/autorespond',
  'disk_free_kb=1048576',
  'inodes_free=5000',
  'VMIGRATE-PROBE-END',
  '',
].join('\n');

describe('probe output', () => {
  it('parses every field', () => {
    const c = parseProbe(GOOD, 'old');
    expect(c.tar.gnu && c.find.gnu).toBe(true);
    expect(c.vpopmail).toEqual({
      dir: '/home/vpopmail',
      bin: '/home/vpopmail/bin',
      version: '5.4.33',
      uid: 89,
      gid: 89,
    });
    expect(c.programs.gzip).toBe('/usr/bin/gzip');
    expect(c.programs.zstd).toBeUndefined();
    expect(c.diskFreeBytes).toBe(1024 ** 3);
    expect(c.inodesFree).toBe(5000);
    expect(missingRequirements(c)).toEqual([]);
  });

  it('refuses a login shell that prints before the command', () => {
    expect(() => parseProbe('Welcome to mail1!\n' + GOOD, 'old')).toThrow(PreconditionError);
    expect(() => parseProbe('Welcome to mail1!\n' + GOOD, 'old')).toThrow(/Welcome to mail1/);
  });

  it('names what a host lacks', () => {
    const bsd = GOOD.replace('tar (GNU tar) 1.34', 'bsdtar 3.6.2').replace(/vpopmail_bin=.*\n/, '');
    expect(missingRequirements(parseProbe(bsd, 'old'))).toEqual([
      'GNU tar is required (found: bsdtar 3.6.2)',
      'no vpopmail programs in /home/vpopmail/bin',
    ]);
  });
});

describe('exit codes', () => {
  it('come from one table', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(2);
    expect(exitCodeOf(new VerificationError('x'))).toBe(3);
    expect(exitCodeOf(new ConnectionError('x'))).toBe(4);
    expect(exitCodeOf(new AuthenticationError('x'))).toBe(4);
    expect(exitCodeOf(new HostKeyError('x'))).toBe(4);
    expect(exitCodeOf(new PreconditionError('x'))).toBe(5);
    expect(exitCodeOf(new Error('x'))).toBe(ExitCode.failure);
    expect(new HostKeyError('x').transient).toBe(false);
    expect(new ConnectionError('x').transient).toBe(true);
  });
});
