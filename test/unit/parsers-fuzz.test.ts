/**
 * Every parser of what comes from a server, a file or the operator, fed arbitrary and mangled
 * input: each returns a value or throws one of vmigrate's own errors (which the operator sees
 * as a clear message and an exit status), never a TypeError or RangeError, and never hangs
 * (the test's timeout would catch that). Mangled input is a real sample with lines dropped,
 * repeated, replaced or inserted, and the text cut anywhere: closer to a truncated or noisy
 * answer than random text is.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { VmigrateError } from '../../src/errors.js';
import { parseProbe } from '../../src/hosts/probe.js';
import { parseListingRecord } from '../../src/maildir/listing.js';
import { parseChecksumLine } from '../../src/maildir/verify.js';
import { parseRoute } from '../../src/migration/cutover.js';
import { parseDomainList } from '../../src/migration/domain-list.js';
import { parseOwnerLine } from '../../src/migration/domain-lock.js';
import { parseBatchOutput, type BatchStep } from '../../src/remote/batch.js';
import { parseKnownHosts } from '../../src/ssh/known-hosts.js';
import { parseTarget } from '../../src/ssh/resolve-host.js';
import { parseSshG } from '../../src/ssh/ssh-config.js';
import { parseCatchAll, parseDotQmail } from '../../src/vpopmail/dot-qmail.js';
import { parseInventory } from '../../src/vpopmail/inventory-parse.js';
import { parseQread } from '../../src/vpopmail/qmail-control.js';
import { inventoryScriptOutput } from '../helpers/inventory-sample.js';
import { GOOD_PROBE } from '../helpers/probe-sample.js';

const RUNS = { numRuns: 300 };

/** Any text at all: every code point, control characters and lone surrogates included. */
const anyText = fc.string({ unit: 'binary', maxLength: 400 });

type Edit =
  | { kind: 'drop'; at: number }
  | { kind: 'repeat'; at: number }
  | { kind: 'replace'; at: number; text: string }
  | { kind: 'insert'; at: number; text: string };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: anyText }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: anyText }),
);

/** `sample` with a few lines dropped, repeated, replaced or inserted, then maybe cut short. */
function mangled(sample: string): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(edit, { maxLength: 6 }), fc.option(fc.nat(), { nil: undefined }))
    .map(([edits, cut]) => {
      const lines = sample.split('\n');
      for (const e of edits) {
        const at = e.at % (lines.length + 1);
        if (e.kind === 'drop') lines.splice(at, 1);
        else if (e.kind === 'repeat') lines.splice(at, 0, lines[at] ?? '');
        else if (e.kind === 'replace') lines.splice(at, 1, e.text);
        else lines.splice(at, 0, e.text);
      }
      const text = lines.join('\n');
      return cut === undefined ? text : text.slice(0, cut % (text.length + 1));
    });
}

/** Input for a parser: arbitrary text half of the time, the sample mangled the other half. */
const inputFor = (sample: string) => fc.oneof(anyText, mangled(sample));

/** Runs `parse`: a value, or one of vmigrate's own errors. */
function answersClearly(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(VmigrateError);
  }
}

const SSH_G = ['user root', 'hostname 10.0.0.1', 'port 22', 'identityfile ~/.ssh/id_ed25519', ''].join('\n');
const KNOWN_HOSTS = [
  'old.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE1zJ3Hc0n5hO1k2a0k6mSxM0r9o1Jw8b0r3X9xZ0y0z',
  '|1|c2FsdHNhbHRzYWx0c2FsdHNhbHQ=|aGFzaGhhc2hoYXNoaGFzaGhhc2g= ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ==',
  '@revoked * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE1zJ3Hc0n5hO1k2a0k6mSxM0r9o1Jw8b0r3X9xZ0y0z',
  '[new.example]:2222,10.0.0.2 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=',
  '',
].join('\n');
const CONFIG = [
  'hosts:',
  '  old:',
  '    host: root@old.example:22',
  '    vpopmailDir: /home/vpopmail',
  '  new:',
  '    host: new.example',
  '    sudo: true',
  '',
].join('\n');
const DOMAINS = ['# domains to move', 'example.com', 'example.net  # and its twin', '', 'EXAMPLE.ORG'].join(
  '\n',
);
const QREAD = [
  '2 Dec 2026 13:00:00 GMT  #123456  1024  <a@example.com>',
  '\tremote\tb@example.net',
  '\tlocal\tc@example.com',
  '',
].join('\n');
const BATCH = ['@@step 0 0 6f6b0a', '@@step 1 255 4572726f720a', '@@done', ''].join('\n');
const DOT_QMAIL = [
  '&forward@example.net',
  '/home/vpopmail/domains/example.com/al/Maildir/',
  '| /bin/true',
  '',
].join('\n');

describe('parsers given arbitrary and mangled input', () => {
  it('the inventory', () => {
    fc.assert(
      fc.property(inputFor(inventoryScriptOutput()), (text) =>
        answersClearly(() => parseInventory(text, { host: 'old', domain: 'ex.example', vpopmailDir: '/v' })),
      ),
      RUNS,
    );
  });

  it('the host probe', () => {
    fc.assert(
      fc.property(inputFor(GOOD_PROBE), (text) => answersClearly(() => parseProbe(text, 'old'))),
      RUNS,
    );
  });

  it('listing records and checksum lines, byte by byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const e = parseListingRecord(Buffer.from(bytes));
        if (e) expect(Number.isFinite(e.size) && Number.isFinite(e.mtime)).toBe(true);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(inputFor('d 700 4096 1700000000.5 Maildir/cur'), (text) => {
        parseListingRecord(Buffer.from(text, 'latin1'));
        parseChecksumLine(text);
      }),
      RUNS,
    );
  });

  it('ssh -G output, known_hosts, the config file, the domain list, a host target', () => {
    fc.assert(
      fc.property(inputFor(SSH_G), (text) => answersClearly(() => parseSshG(text))),
      RUNS,
    );
    fc.assert(
      fc.property(inputFor(KNOWN_HOSTS), (text) => answersClearly(() => parseKnownHosts(text))),
      RUNS,
    );
    fc.assert(
      fc.property(inputFor(CONFIG), (text) => answersClearly(() => parseConfigText(text, 'vmigrate.yaml'))),
      RUNS,
    );
    fc.assert(
      fc.property(inputFor(DOMAINS), (text) => answersClearly(() => parseDomainList(text, 'list.txt'))),
      RUNS,
    );
    fc.assert(
      fc.property(anyText, (text) => answersClearly(() => parseTarget(text))),
      RUNS,
    );
  });

  it('qmail and vpopmail answers: the queue, batches of commands, delivery files, lock owners, routes', () => {
    fc.assert(
      fc.property(inputFor(QREAD), (text) => answersClearly(() => parseQread(text))),
      RUNS,
    );
    const steps: BatchStep[] = [
      { title: 'one', argv: ['true'] },
      { title: 'two', argv: ['false'] },
    ];
    fc.assert(
      fc.property(inputFor(BATCH), (text) => answersClearly(() => parseBatchOutput(text, steps))),
      RUNS,
    );
    fc.assert(
      fc.property(inputFor(DOT_QMAIL), (text) =>
        answersClearly(() => {
          parseDotQmail(text);
          parseCatchAll(text);
        }),
      ),
      RUNS,
    );
    fc.assert(
      fc.property(inputFor('store=abc run=3 pid=42 controller=laptop since=2026-12-02T13:00:00Z'), (text) =>
        answersClearly(() => parseOwnerLine(text)),
      ),
      RUNS,
    );
    fc.assert(
      fc.property(inputFor('new.example:2525'), (text) => answersClearly(() => parseRoute(text))),
      RUNS,
    );
  });
});
