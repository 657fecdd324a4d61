/**
 * The mbox reader against mboxes written the way qmail-local writes them (test/helpers/mbox.ts
 * follows notqmail's qmail-local.c mailfile() and gfrom.c), against mboxcl2, and fed in chunks
 * of every size: every message comes back once, byte for byte.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fromLineTime,
  maildirFlags,
  MboxError,
  MboxReader,
  type MboxMessage,
} from '../../src/maildir/mbox.js';
import { qmailAppend } from '../helpers/mbox.js';

function readAll(
  mbox: Buffer,
  chunk = mbox.length || 1,
  max?: number,
): { messages: MboxMessage[]; reader: MboxReader } {
  const reader = new MboxReader(max);
  const messages: MboxMessage[] = [];
  for (let at = 0; at < mbox.length; at += chunk)
    messages.push(...reader.push(mbox.subarray(at, at + chunk)));
  messages.push(...reader.end());
  return { messages, reader };
}

const text = (m: MboxMessage) => m.data.toString('latin1');

describe('mbox reader', () => {
  it('gives back what qmail-local appended, quoting undone, the separator dropped', () => {
    const first =
      'Subject: one\n\nFrom the start\n>From quoted once\n>>From twice\nFromage is not a From line\n';
    const second = 'Subject: two\n\nno newline at the end';
    const mbox = Buffer.from(qmailAppend(first) + qmailAppend(second));
    const { messages, reader } = readAll(mbox);
    expect(messages.map(text)).toEqual([first, `${second}\n`]);
    expect(reader.framings).toEqual({ mboxrd: 2, mboxcl2: 0 });
    expect(messages.map((m) => m.index)).toEqual([0, 1]);
    expect(messages[0]?.time).toBe(Date.UTC(2026, 11, 3, 2, 55, 0) / 1000);
  });

  it('keeps a message whose own last line is empty, and a message of headers alone', () => {
    const ends = 'Subject: a\n\nbody\n\n';
    const bare = 'Subject: headers only\n';
    const mbox = Buffer.from(qmailAppend(ends) + qmailAppend(bare) + qmailAppend(ends));
    expect(readAll(mbox).messages.map(text)).toEqual([ends, bare, ends]);
  });

  it('frames mboxcl2 by Content-Length: an unquoted From line inside a body does not cut it', () => {
    const body = 'line\n\nFrom someone inside the body\nend\n';
    const one = `Subject: cl\nContent-Length: ${body.length}\n\n${body}`;
    const mbox = Buffer.from(
      `From a@b Mon Jan  5 10:00:00 2026\n${one}\nFrom c@d Mon Jan  5 11:00:00 2026\nSubject: x\n\nx\n\n`,
    );
    const { messages, reader } = readAll(mbox);
    expect(messages.map(text)).toEqual([one, 'Subject: x\n\nx\n']);
    expect(reader.framings).toEqual({ mboxrd: 1, mboxcl2: 1 });
  });

  it('reads a Content-Length that does not frame the message as mboxrd', () => {
    const one = 'Subject: wrong\nContent-Length: 3\n\nlonger than three\n';
    const { messages, reader } = readAll(Buffer.from(qmailAppend(one) + qmailAppend('Subject: b\n\nb\n')));
    expect(messages.map(text)).toEqual([one, 'Subject: b\n\nb\n']);
    expect(reader.framings.mboxcl2).toBe(0);
  });

  it('turns Status and X-Status into Maildir flags and drops them from the message', () => {
    const mbox = Buffer.from(
      qmailAppend('Subject: s\nStatus: RO\nX-Status: AF\n\nread, answered, flagged\n') +
        qmailAppend('Subject: n\n\nunread\n') +
        qmailAppend('Subject: o\nStatus: O\n\nseen in a list, not opened\n'),
    );
    const [read, fresh, old] = readAll(mbox).messages;
    expect(read && text(read)).toBe('Subject: s\n\nread, answered, flagged\n');
    expect([read?.flags, read?.seen]).toEqual(['FRS', true]);
    expect([fresh?.flags, fresh?.seen]).toEqual(['', false]);
    expect([old?.flags, old?.seen]).toEqual(['', true]);
    expect(maildirFlags('R', 'TD')).toBe('DST');
  });

  it('takes the Date header when the From line has no date', () => {
    const mbox = Buffer.from('From nobody\nDate: Tue, 01 Dec 2026 10:00:00 +0100\n\nx\n\n');
    expect(readAll(mbox).messages[0]?.time).toBe(Date.UTC(2026, 11, 1, 9, 0, 0) / 1000);
    expect(fromLineTime('From MAILER-DAEMON Sat Feb 29 23:59:59 2025')).toBeDefined();
    expect(fromLineTime('From x@y Wed Jun  1 12:00:00 +0200 2022')).toBe(Date.UTC(2022, 5, 1, 12) / 1000);
  });

  it('reads an empty file as no messages and refuses what is not an mbox', () => {
    expect(readAll(Buffer.alloc(0)).messages).toEqual([]);
    expect(() => readAll(Buffer.from('Return-Path: <a@b>\n\nhello\n'))).toThrow(MboxError);
    expect(() => readAll(Buffer.from('From x Mon Jan  5 10:00:00 2026'))).toThrow(
      /ends inside its "From " line/,
    );
  });

  it('refuses a message larger than it converts instead of holding it', () => {
    const big = qmailAppend(`Subject: big\n\n${'x'.repeat(200_000)}\n`);
    expect(() => readAll(Buffer.from(big + big), 4096, 100_000)).toThrow(/message 1 is larger than/);
    expect(readAll(Buffer.from(big + big), 4096, 1_000_000).messages).toHaveLength(2);
  });

  it('gives every message back once whatever the chunk size (property)', () => {
    const line = fc.oneof(
      fc.constantFrom('From here\n', '>From there\n', '>>>From x\n', '\n', 'From\n', ' From\n', '\r\n'),
      fc.string({ maxLength: 30 }).map((s) => `${s.replace(/\n/g, '')}\n`),
    );
    const message = fc.tuple(fc.array(line, { maxLength: 12 }), fc.boolean()).map(([lines, cut]) => {
      const body = lines.join('');
      const m = `Subject: p\n\n${body}`;
      return cut && m.endsWith('\n') ? m.slice(0, -1) : m;
    });
    fc.assert(
      fc.property(fc.array(message, { maxLength: 6 }), fc.integer({ min: 1, max: 64 }), (messages, chunk) => {
        const mbox = Buffer.from(messages.map((m) => qmailAppend(m)).join(''), 'latin1');
        const got = readAll(mbox, chunk).messages.map(text);
        expect(got).toEqual(messages.map((m) => (m.endsWith('\n') ? m : `${m}\n`)));
      }),
      { numRuns: 400 },
    );
  });
});
