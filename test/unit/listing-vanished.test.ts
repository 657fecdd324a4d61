/** A live Maildir walked by find: an entry gone before its stat is not a failed listing; anything else is. */
import { describe, expect, it } from 'vitest';
import { onlyVanished } from '../../src/maildir/listing.js';

const gone = (q: [string, string]) =>
  `find: ${q[0]}/home/vpopmail/domains/0/example.com/alice/Maildir/new/1796236357.M73P19706.old,S=47${q[1]}: No such file or directory\n`;

describe('onlyVanished', () => {
  it('accepts find (1) or xargs (123) complaining only of entries that vanished, in either quoting', () => {
    expect(onlyVanished(123, gone(["'", "'"]))).toBe(true);
    expect(onlyVanished(1, gone(['‘', '’']) + gone(["'", "'"]))).toBe(true);
  });

  it('refuses any other complaint, another status, or a failure that says nothing', () => {
    expect(onlyVanished(123, `${gone(["'", "'"])}find: '/x/Maildir/cur': Permission denied\n`)).toBe(false);
    expect(onlyVanished(2, gone(["'", "'"]))).toBe(false);
    expect(onlyVanished(124, gone(["'", "'"]))).toBe(false);
    expect(onlyVanished(123, '')).toBe(false);
    // Cut off by the stderr cap in the middle of a line: not known to be only vanished files.
    expect(onlyVanished(123, gone(["'", "'"]).slice(0, 40))).toBe(false);
  });
});
