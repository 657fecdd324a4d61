/** Comparing a domain on two servers (everything but messages), from inventories built in memory. */
import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/remote/quote.js';
import { describeDifference, differences } from '../../src/vpopmail/compare.js';
import { aUser, anInventory } from '../helpers/builders.js';

const SRC = '/home/vpopmail/domains/ex.com';
const DST = '/var/vpopmail/domains/ex.com';

function pair() {
  const source = anInventory({
    users: [
      aUser('alice', SRC, {
        dotQmail: { content: `${SRC}/alice/Maildir/\n&alice@else.example\n`, lines: [] },
      }),
    ],
    dotQmail: [
      {
        name: 'default',
        file: '.qmail-default',
        role: 'catch-all',
        symlinkTarget: undefined,
        content: `| /home/vpopmail/bin/vdelivermail '' ${SRC}/alice\n`,
        lines: [],
      },
    ],
  });
  const dest = anInventory({
    host: 'new',
    vpopmailDir: '/var/vpopmail',
    uid: 1089,
    gid: 1090,
    users: [
      aUser('alice', DST, {
        dotQmail: { content: `${DST}/alice/Maildir/\n&alice@else.example\n`, lines: [] },
      }),
    ],
    dotQmail: [
      {
        name: 'default',
        file: '.qmail-default',
        role: 'catch-all',
        symlinkTarget: undefined,
        content: `| /var/vpopmail/bin/vdelivermail '' ${DST}/alice\n`,
        lines: [],
      },
    ],
  });
  return { source, dest };
}

describe('differences', () => {
  it('sees none between a domain and its copy under another vpopmail home', () => {
    const { source, dest } = pair();
    expect(differences(source, dest)).toEqual([]);
  });

  it('names each difference, showing a password only as "differs"', () => {
    const { source, dest } = pair();
    const changed = {
      ...dest,
      aliasDomains: ['ex.net'],
      users: [
        { ...dest.users[0]!, password: new Secret('$1$other$hash'), quota: '1048576S' },
        aUser('bob', DST),
      ],
    };
    const shown = differences(source, changed).map(describeDifference);
    expect(shown).toEqual([
      'alias domains: (none) (source) vs ex.net (destination)',
      'user alice password: differs',
      'user alice quota: NOQUOTA (source) vs 1048576S (destination)',
      'user bob .qmail: only on the destination',
      'user bob clear password: only on the destination',
      'user bob flags: only on the destination',
      'user bob gecos: only on the destination',
      'user bob password: only on the destination',
      'user bob quota: only on the destination',
      'user bob uid field: only on the destination',
    ]);
    expect(shown.join('\n')).not.toContain('$1$other$hash');
  });
});
