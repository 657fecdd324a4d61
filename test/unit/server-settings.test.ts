/** The server-level settings of two hosts compared for the domains moved (`move --all --server`). */
import { describe, expect, it } from 'vitest';
import {
  compareServerSettings,
  parseServerSettings,
  type SettingFile,
} from '../../src/vpopmail/server-settings.js';

const hex = (s: string) => Buffer.from(s).toString('hex');
const read = (files: Record<string, string | undefined>, base = '/q'): SettingFile[] =>
  parseServerSettings(
    [
      '@@vmigrate-server-settings 1',
      ...Object.entries(files).map(([k, v]) =>
        v === undefined ? `@@absent ${k} ${base}/${k}` : `@@file ${k} ${base}/${k} ${hex(v)}`,
      ),
      '@@end',
    ].join('\n'),
    'h',
  );

describe('server settings', () => {
  it('names what differs, each with what it means and whether it could be carried', () => {
    const source = read({
      'vlimits.default': 'maxpopaccounts 100\n',
      'control/me': 'old.example\n',
      'control/databytes': '20000000\n',
      'control/smtproutes': 'moved.example:relay.example.net\nother.example:x\n.sub.moved.example:y\n',
      'tcp.smtp': '# local\n127.:allow,RELAYCLIENT=""\n10.0.0.:allow\n',
      'control/helohost': undefined,
    });
    const dest = read({
      'vlimits.default': 'maxpopaccounts 50\n',
      'control/me': 'new.example\n',
      'control/databytes': undefined,
      'control/smtproutes': 'other.example:z\n',
      'tcp.smtp': '127.:allow,RELAYCLIENT=""\n',
      'control/helohost': 'new.example\n',
    });
    const diff = compareServerSettings(source, dest, ['moved.example']);
    expect(diff.map((d) => [d.key, d.carry, d.onlySource, d.onlyDest])).toEqual([
      ['vlimits.default', 'copy', ['maxpopaccounts 100'], ['maxpopaccounts 50']],
      ['control/me', 'never', ['old.example'], ['new.example']],
      ['control/databytes', 'copy', ['20000000'], []],
      // Only the moved domains' routes; other domains' are the servers' own business.
      ['control/smtproutes', 'lines', ['moved.example:relay.example.net'], []],
      ['control/helohost', 'never', [], ['new.example']],
    ]);
    expect(diff.find((d) => d.key === 'control/helohost')?.why).toMatch(/from control\/me/);
  });

  it('says nothing about settings both hosts share or neither has', () => {
    const same = read({ 'vlimits.default': 'x 1\n', 'control/databytes': undefined });
    expect(compareServerSettings(same, same, ['a.example'])).toEqual([]);
  });

  it('refuses an answer that ended early', () => {
    expect(() => parseServerSettings('@@vmigrate-server-settings 1\n', 'h')).toThrow(/ended early/);
  });
});
