import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteCommandError } from '../../src/errors.js';
import type { HostSession } from '../../src/hosts/session.js';
import type { Remote } from '../../src/remote/remote.js';
import { Secret } from '../../src/remote/quote.js';
import { labSession } from '../helpers/lab-session.js';

let session: HostSession;
let old: Remote;

beforeAll(async () => {
  session = labSession();
  old = (await session.open('old')).remote;
});
afterAll(() => session.close());

describe('exec against a lab host', () => {
  it('returns stdout, stderr and the exit status', async () => {
    const r = await old.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r.code).toBe(3);
    expect(r.signal).toBeNull();
    expect(r.stdout.toString()).toBe('out\n');
    expect(r.stderr).toBe('err\n');
  });

  it('reports a signal death with no exit code', async () => {
    const r = await old.exec(['sh', '-c', 'kill -TERM $$']);
    expect(r.code).toBeNull();
    expect(r.signal).toBe('SIGTERM');
  });

  it('runs on the host it names, with its own users', async () => {
    const r = await old.run(['sh', '-c', 'uname -n; id -u vpopmail']);
    expect(r.stdout.toString()).toBe('old\n89\n');
  });

  it('run() throws a RemoteCommandError carrying the status and stderr', async () => {
    const err = await old.run(['ls', '/no/such/dir']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteCommandError);
    const e = err as RemoteCommandError;
    expect(e.exitStatus).toBe(2);
    expect(e.stderr).toContain('No such file');
    expect(e.message).toContain('on old');
  });

  it('feeds stdin and keeps secrets out of the command shown', async () => {
    const r = await old.run(['sh', '-c', 'cat; printf %s "$1"', 'sh', new Secret('$1$salt$hash')], {
      stdin: 'in:',
    });
    expect(r.stdout.toString()).toBe('in:$1$salt$hash');
    expect(r.command).not.toContain('salt');
  });

  it('kills a command that overruns its timeout', async () => {
    const started = Date.now();
    await expect(old.exec(['sleep', '31.7'], { timeoutMs: 300 })).rejects.toThrow(/did not finish/);
    expect(Date.now() - started).toBeLessThan(10_000);
    // Lab hosts share the machine's process table: look for this very sleep only.
    const left = await old.exec(['sh', '-c', "pgrep -fx 'sleep 31.7' || true"]);
    expect(left.stdout.toString().trim()).toBe('');
  });

  it('stops an overrunning command with TERM first, so that its EXIT trap cleans up, then KILL', async () => {
    const mark = `/tmp/vmigrate-trap-test.${process.pid}`;
    const gone = async (check: string) => {
      for (let i = 0; i < 100; i++) {
        if ((await old.exec(['sh', '-c', check])).code !== 0) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    };
    // A script that cleans up on the way out (as the direct path's scripts do).
    const trapping = `touch ${mark}; trap 'rm -f ${mark}' EXIT; trap 'exit 143' TERM; sleep 41.3`;
    await expect(old.exec(['sh', '-c', trapping], { timeoutMs: 300 })).rejects.toThrow(/did not finish/);
    expect(await gone(`test -e ${mark}`), 'the EXIT trap removed its file').toBe(true);
    expect(await gone("pgrep -fx 'sleep 41.3'")).toBe(true);
    // One that ignores TERM (and its sleep inherits that) is killed all the same.
    await expect(old.exec(['sh', '-c', "trap '' TERM; sleep 43.1"], { timeoutMs: 300 })).rejects.toThrow(
      /did not finish/,
    );
    expect(await gone("pgrep -fx 'sleep 43.1'"), 'killed after TERM was ignored').toBe(true);
  });

  it('quotes every argument: random strings come back byte for byte', async () => {
    const special = fc.constantFrom(
      "'",
      '"',
      '\\',
      '$(',
      '`',
      '*',
      '?',
      '[a]',
      '~',
      '\n',
      '\t',
      ' ',
      ';',
      '&',
      '|',
      '>',
      '-n',
      '--',
      '!',
      '#',
      'é',
      '日本',
      '\u{1F600}',
      '%s',
      '$HOME',
    );
    const piece = fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), special);
    const arb = fc
      .array(piece, { maxLength: 12 })
      .map((parts) => parts.join('').replaceAll('\0', ''))
      // Lone surrogates cannot be encoded as UTF-8, so no server could receive them.
      .filter((s) => s.isWellFormed());
    await fc.assert(
      fc.asyncProperty(arb, async (s) => {
        const r = await old.run(['printf', '%s', s]);
        expect(r.stdout.toString('utf8')).toBe(s);
      }),
      { numRuns: 150 },
    );
  });

  it('streams 100 MB to a remote process and back with matching checksums', async () => {
    const size = 100 * 1024 * 1024;
    const block = randomBytes(1024 * 1024);
    const sent = createHash('sha256');
    let produced = 0;
    const source = new Readable({
      read() {
        if (produced >= size) return this.push(null);
        produced += block.length;
        sent.update(block);
        this.push(block);
      },
    });
    const proc = await old.spawn(['sh', '-c', 'tee /tmp/stream.bin | sha256sum']);
    source.pipe(proc.stdin);
    const chunks: Buffer[] = [];
    proc.stdout.on('data', (d: Buffer) => chunks.push(d));
    const status = await proc.done;
    expect(status.code).toBe(0);
    const expected = sent.digest('hex');
    expect(Buffer.concat(chunks).toString().split(' ')[0]).toBe(expected);

    const back = await old.spawn(['cat', '/tmp/stream.bin']);
    back.stdin.end();
    const received = createHash('sha256');
    let bytes = 0;
    back.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      received.update(d);
    });
    expect((await back.done).code).toBe(0);
    expect(bytes).toBe(size);
    expect(received.digest('hex')).toBe(expected);
    await old.run(['rm', '-f', '/tmp/stream.bin']);
  });
});
