import { describe, expect, it } from 'vitest';
import { comparableLimits, limitsArgs } from '../../src/vpopmail/limits.js';

// vmoddomlimits -S as recorded on vpopmail 5.4.33 (spec 5.12), trailing spaces included.
const SHOW = `Domain: test.example
--
Max Pop Accounts: 10
Max Aliases: 20
Max Forwards: 30
Max Autoresponders: 5
Max Mailinglists: 2
GID Flags:
  NO_IMAP
  NO_POP
Flags (for commandline): ip
Flags for non postmaster accounts:
  pop account:            DENY_CREATE  DENY_MODIFY  ALLOW_DELETE 
  alias:                  ALLOW_CREATE ALLOW_MODIFY ALLOW_DELETE 
  forward:                ALLOW_CREATE ALLOW_MODIFY ALLOW_DELETE 
  autoresponder:          ALLOW_CREATE ALLOW_MODIFY ALLOW_DELETE 
  mailinglist:            DENY_CREATE  DENY_MODIFY  DENY_DELETE  
  mailinglist users:      ALLOW_CREATE ALLOW_MODIFY ALLOW_DELETE 
  mailinglist moderators: ALLOW_CREATE ALLOW_MODIFY ALLOW_DELETE 
  quota:                  ALLOW_CREATE ALLOW_MODIFY DENY_DELETE  
  default quota:          ALLOW_CREATE ALLOW_MODIFY ALLOW_DELETE 
Domain Quota: 100 MB
Default User Quota: 10485760 bytes
Max Domain Messages: 1000
Default Max Messages per User: 200`;

describe('limitsArgs', () => {
  it('turns vmoddomlimits -S back into the options that set the same limits', () => {
    expect(limitsArgs(SHOW)).toEqual([
      '-P',
      '10',
      '-A',
      '20',
      '-F',
      '30',
      '-R',
      '5',
      '-L',
      '2',
      '-Q',
      '100',
      '-q',
      '10485760',
      '-M',
      '1000',
      '-m',
      '200',
      '-g',
      'ip',
      '-p',
      'cm',
      '-a',
      '',
      '-f',
      '',
      '-r',
      '',
      '-l',
      'cmd',
      '-u',
      '',
      '-o',
      '',
      '-x',
      'd',
      '-z',
      '',
    ]);
  });

  it('compares limits without the domain name and trailing spaces', () => {
    const other = SHOW.replace('Domain: test.example', 'Domain: other.example').replaceAll(' \n', '\n');
    expect(comparableLimits(other)).toBe(comparableLimits(SHOW));
    expect(comparableLimits(SHOW.replace('Max Aliases: 20', 'Max Aliases: 21'))).not.toBe(
      comparableLimits(SHOW),
    );
  });
});
