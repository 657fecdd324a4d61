import { describe, expect, it } from 'vitest';
import { PathMap, pathsUnder } from '../../src/vpopmail/path-map.js';

const map = new PathMap([
  {
    from: '/home/vpopmail/domains/0/ex.com/alice',
    to: '/var/vpopmail/domains/ex.com/3/alice',
    what: 'user alice',
  },
  { from: '/home/vpopmail/domains/0/ex.com/al', to: '/var/vpopmail/domains/ex.com/al', what: 'user al' },
  { from: '/home/vpopmail/domains/0/ex.com/', to: '/var/vpopmail/domains/ex.com/', what: 'domain' },
  { from: '/home/vpopmail', to: '/var/vpopmail', what: 'home' },
  { from: '/usr/local/bin/ezmlm/ezmlm-send', to: '/usr/bin/ezmlm-send', what: 'program' },
]);

describe('PathMap.rewrite', () => {
  it('takes the longest source path, so a user directory beats its domain and home', () => {
    expect(map.rewrite('/home/vpopmail/domains/0/ex.com/alice/Maildir/\n')).toBe(
      '/var/vpopmail/domains/ex.com/3/alice/Maildir/\n',
    );
    expect(map.rewrite('/home/vpopmail/domains/0/ex.com/al/Maildir/')).toBe(
      '/var/vpopmail/domains/ex.com/al/Maildir/',
    );
  });

  it('does not rewrite inside a longer name: paths that are prefixes of each other', () => {
    // "alice2" is not a user of the map: only the domain directory part is rewritten.
    expect(map.rewrite('/home/vpopmail/domains/0/ex.com/alice2/Maildir/')).toBe(
      '/var/vpopmail/domains/ex.com/alice2/Maildir/',
    );
    expect(map.rewrite('/home/vpopmailx/bin')).toBe('/home/vpopmailx/bin');
    expect(map.rewrite('/srv/home/vpopmail/bin')).toBe('/srv/home/vpopmail/bin');
  });

  it('rewrites quoted and unquoted pipe lines, program paths included', () => {
    expect(map.rewrite("|/usr/local/bin/ezmlm/ezmlm-send '/home/vpopmail/domains/0/ex.com/list'\n")).toBe(
      "|/usr/bin/ezmlm-send '/var/vpopmail/domains/ex.com/list'\n",
    );
    expect(map.rewrite("| /home/vpopmail/bin/vdelivermail '' /home/vpopmail/domains/0/ex.com/alice")).toBe(
      "| /var/vpopmail/bin/vdelivermail '' /var/vpopmail/domains/ex.com/3/alice",
    );
    expect(map.rewrite('|preline "/home/vpopmail/domains/0/ex.com/al"')).toBe(
      '|preline "/var/vpopmail/domains/ex.com/al"',
    );
  });

  it('treats trailing slashes alike and a path standing alone as itself', () => {
    expect(map.rewrite('/home/vpopmail/domains/0/ex.com')).toBe('/var/vpopmail/domains/ex.com');
    expect(map.rewrite('/home/vpopmail/domains/0/ex.com/')).toBe('/var/vpopmail/domains/ex.com/');
    expect(map.rewritePath('/home/vpopmail')).toBe('/var/vpopmail');
  });

  it('leaves relative paths and addresses alone', () => {
    expect(map.rewrite('./Maildir/\n&alice@ex.com\nMaildir/\n')).toBe(
      './Maildir/\n&alice@ex.com\nMaildir/\n',
    );
    expect(map.rewrite('home/vpopmail/x')).toBe('home/vpopmail/x');
  });

  it('is the identity when nothing differs', () => {
    const same = new PathMap([{ from: '/var/vpopmail', to: '/var/vpopmail', what: 'home' }]);
    expect(same.rewrite('/var/vpopmail/domains/x')).toBe('/var/vpopmail/domains/x');
  });
});

describe('pathsUnder', () => {
  it('finds what is left of source-only roots, each once, cut at the end of the path', () => {
    const text =
      "|/old/home/bin/x '/old/home/a b'\n/old/home/d/Maildir/\n/old/homer/x\n/old/home/d/Maildir/\n";
    expect(pathsUnder(text, ['/old/home/'])).toEqual([
      '/old/home/a',
      '/old/home/bin/x',
      '/old/home/d/Maildir/',
    ]);
    expect(pathsUnder('/new/home/x', ['/old/home'])).toEqual([]);
  });
});
