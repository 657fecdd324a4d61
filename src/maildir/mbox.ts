/**
 * Reading an mbox as it streams, one message at a time, into what a Maildir file of it holds.
 *
 * qmail-local writes mboxrd (notqmail qmail-local.c, gfrom.c): a `From ` line, the message with
 * every line that matches `>*From ` given one more `>`, a newline added where the message lacked
 * one, and an empty line. Other writers leave mboxcl2: a `Content-Length:` header that frames
 * the body, no quoting. Each message is read as mboxcl2 when it has that header and the length
 * ends exactly at the next `From ` line (or the end), as mboxrd otherwise; the reader reports
 * how many of each it found. Messages are split only at a `From ` line after an empty line
 * (or at the start), so an unquoted `From ` inside a body of another writer does not cut it.
 *
 * `Status:` and `X-Status:` become Maildir flags (R → S seen, O → read before: cur/, A → R
 * replied, F → F flagged, T → D draft, D → T trashed) and are dropped from the message; every
 * other byte is kept. Pure: no I/O.
 */
import { Buffer } from 'node:buffer';
import { VmigrateError } from '../errors.js';

export type MboxFraming = 'mboxrd' | 'mboxcl2';

export interface MboxMessage {
  /** 0 for the first message of the mbox. */
  index: number;
  /** The bytes of the Maildir file. */
  data: Buffer;
  /** Seconds since the epoch: the From line's date (UTC, as qmail writes it), else Date:. */
  time: number | undefined;
  /** Maildir flags in the order the format wants them (ASCII). */
  flags: string;
  /** Read before (Status O or R, or any flag): goes into cur/, else new/. */
  seen: boolean;
  framing: MboxFraming;
}

/** Larger messages are refused rather than held in memory (a tar entry needs its size first). */
export const MAX_MESSAGE_BYTES = 100 * 1024 * 1024;

/** An mbox that cannot be read as one: the mailbox is not converted (the run reports it). */
export class MboxError extends VmigrateError {
  override readonly code = 'MBOX';
}

const NL = 0x0a;
const FROM = Buffer.from('From ');
const SEPARATOR = Buffer.from('\n\nFrom ');

/**
 * Feed chunks with `push`, then call `end`; each returns the messages completed so far.
 * Holds at most one message (and the chunk that ends it).
 */
export class MboxReader {
  private buf: Buffer = Buffer.alloc(0);
  private index = 0;
  private started = false;
  /** Where the search for the next separator resumes (bytes before it were searched). */
  private searched = 0;
  readonly framings: Record<MboxFraming, number> = { mboxrd: 0, mboxcl2: 0 };

  constructor(private readonly maxMessageBytes = MAX_MESSAGE_BYTES) {}

  push(chunk: Buffer): MboxMessage[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return this.take(false);
  }

  end(): MboxMessage[] {
    return this.take(true);
  }

  private take(atEnd: boolean): MboxMessage[] {
    const out: MboxMessage[] = [];
    for (;;) {
      if (!this.started) {
        if (this.buf.length < FROM.length && !atEnd) return out;
        if (this.buf.length === 0) return out;
        if (!startsWith(this.buf, 0, FROM))
          throw new MboxError('not an mbox: it does not start with a "From " line');
        this.started = true;
      }
      const message = this.next(atEnd);
      if (!message) return out;
      out.push(message);
      if (this.buf.length === 0) return out;
    }
  }

  /** The next whole message at the start of the buffer, or undefined until more arrives. */
  private next(atEnd: boolean): MboxMessage | undefined {
    const buf = this.buf;
    const fromEnd = buf.indexOf(NL);
    if (fromEnd < 0) {
      if (!atEnd) return this.waiting();
      throw new MboxError(`message ${this.index + 1}: the mbox ends inside its "From " line`);
    }
    const headerEnd = endOfHeaders(buf, fromEnd + 1);
    if (headerEnd === undefined && !atEnd) return this.waiting();
    const bodyStart = headerEnd ?? buf.length;
    const length = contentLength(buf.subarray(fromEnd + 1, bodyStart));
    if (length !== undefined && length <= this.maxMessageBytes) {
      const end = bodyStart + length;
      // The framing holds when the body ends at the next message or at the end of the mbox.
      if (end + SEPARATOR.length <= buf.length || atEnd) {
        if (end <= buf.length && (end === buf.length || atBoundary(buf, end) !== undefined))
          return this.emit(fromEnd, bodyStart, end, atBoundary(buf, end) ?? buf.length, 'mboxcl2');
      } else return this.waiting();
    }
    let cut = buf.indexOf(SEPARATOR, Math.max(this.searched, fromEnd));
    if (cut < 0) {
      if (!atEnd) {
        this.searched = Math.max(fromEnd, buf.length - SEPARATOR.length + 1);
        return this.waiting();
      }
      cut = buf.length;
      // The empty line qmail ends every message with is the mbox's, not the message's.
      const dataEnd = endsWith(buf, cut, '\n\n') ? cut - 1 : cut;
      return this.emit(fromEnd, bodyStart, dataEnd, cut, 'mboxrd');
    }
    return this.emit(fromEnd, bodyStart, cut + 1, cut + 2, 'mboxrd');
  }

  private waiting(): undefined {
    if (this.buf.length > this.maxMessageBytes + 64 * 1024)
      throw new MboxError(
        `message ${this.index + 1} is larger than ${Math.round(this.maxMessageBytes / 1024 / 1024)} MiB, more than vmigrate converts`,
      );
    return undefined;
  }

  /** The message from the From line at 0 to `dataEnd`; the buffer continues at `next`. */
  private emit(
    fromEnd: number,
    bodyStart: number,
    dataEnd: number,
    next: number,
    framing: MboxFraming,
  ): MboxMessage {
    const buf = this.buf;
    const fromLine = buf.subarray(0, fromEnd).toString('latin1');
    // A message of headers alone: the empty line after them is the mbox's separator.
    const headers = splitHeaders(buf.subarray(fromEnd + 1, Math.min(bodyStart, dataEnd)));
    const body = buf.subarray(bodyStart, Math.max(bodyStart, dataEnd));
    const status = headerValue(headers, 'status') ?? '';
    const xStatus = headerValue(headers, 'x-status') ?? '';
    const kept = headers.filter((h) => !/^(x-)?status$/i.test(h.name)).map((h) => h.raw);
    const content = framing === 'mboxrd' ? unquote(body) : Buffer.from(body);
    const flags = maildirFlags(status, xStatus);
    const message: MboxMessage = {
      index: this.index,
      data: Buffer.concat([...kept, content]),
      time: fromLineTime(fromLine) ?? dateHeaderTime(headerValue(headers, 'date')),
      flags,
      seen: /[OR]/.test(status) || flags !== '',
      framing,
    };
    this.framings[framing] += 1;
    this.index += 1;
    this.buf = buf.subarray(next);
    this.searched = 0;
    return message;
  }
}

function startsWith(buf: Buffer, at: number, what: Buffer): boolean {
  return buf.length - at >= what.length && buf.compare(what, 0, what.length, at, at + what.length) === 0;
}

function endsWith(buf: Buffer, end: number, what: string): boolean {
  return end >= what.length && buf.toString('latin1', end - what.length, end) === what;
}

/** Where the body starts: after the empty line that ends the headers (LF or CRLF). */
function endOfHeaders(buf: Buffer, from: number): number | undefined {
  if (buf[from] === NL) return from + 1;
  if (buf[from] === 0x0d && buf[from + 1] === NL) return from + 2;
  let at = from;
  for (;;) {
    const nl = buf.indexOf(NL, at);
    if (nl < 0) return undefined;
    if (buf[nl + 1] === NL) return nl + 2;
    if (buf[nl + 1] === 0x0d && buf[nl + 2] === NL) return nl + 3;
    if (nl + 1 >= buf.length) return undefined;
    at = nl + 1;
  }
}

/** After a body that ends at `end`: where the next From line starts, if one does. */
function atBoundary(buf: Buffer, end: number): number | undefined {
  if (buf[end] === NL && startsWith(buf, end + 1, FROM)) return end + 1;
  if (buf[end] === NL && end + 1 === buf.length) return buf.length;
  return undefined;
}

interface Header {
  name: string;
  value: string;
  raw: Buffer;
}

/** Header fields with their continuation lines, each kept as its raw bytes; the empty line too. */
function splitHeaders(block: Buffer): Header[] {
  const out: Header[] = [];
  let at = 0;
  while (at < block.length) {
    let end = block.indexOf(NL, at);
    end = end < 0 ? block.length : end + 1;
    while (end < block.length && (block[end] === 0x20 || block[end] === 0x09)) {
      const nl = block.indexOf(NL, end);
      end = nl < 0 ? block.length : nl + 1;
    }
    const raw = block.subarray(at, end);
    const text = raw.toString('latin1');
    const colon = text.indexOf(':');
    out.push({
      name: colon > 0 ? text.slice(0, colon).trim() : '',
      value:
        colon > 0
          ? text
              .slice(colon + 1)
              .replace(/\r?\n[ \t]*/g, ' ')
              .trim()
          : '',
      raw,
    });
    at = end;
  }
  return out;
}

function headerValue(headers: readonly Header[], name: string): string | undefined {
  return headers.find((h) => h.name.toLowerCase() === name)?.value;
}

function contentLength(block: Buffer): number | undefined {
  const value = headerValue(splitHeaders(block), 'content-length');
  return value !== undefined && /^\d{1,12}$/.test(value) ? Number(value) : undefined;
}

/** mboxrd: one `>` less on every line that is `>`s then `From `. */
function unquote(body: Buffer): Buffer {
  if (body.indexOf('>') < 0) return Buffer.from(body);
  const parts: Buffer[] = [];
  let at = 0;
  let copied = 0;
  while (at < body.length) {
    if (body[at] === 0x3e) {
      let q = at;
      while (body[q] === 0x3e) q += 1;
      if (startsWith(body, q, FROM)) {
        parts.push(body.subarray(copied, at));
        copied = at + 1;
      }
    }
    const nl = body.indexOf(NL, at);
    if (nl < 0) break;
    at = nl + 1;
  }
  parts.push(body.subarray(copied));
  return Buffer.concat(parts);
}

/** Maildir's flags from mbox Status and X-Status, in ASCII order as the Maildir format asks. */
export function maildirFlags(status: string, xStatus: string): string {
  const flags = new Set<string>();
  if (status.includes('R')) flags.add('S');
  if (xStatus.includes('A')) flags.add('R');
  if (xStatus.includes('F')) flags.add('F');
  if (xStatus.includes('T')) flags.add('D');
  if (xStatus.includes('D')) flags.add('T');
  return [...flags].sort().join('');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `From sender Thu Dec  3 02:55:00 2026` (asctime; a zone or `remote from` may follow or precede the year). */
export function fromLineTime(line: string): number | undefined {
  const m =
    /\s(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s+[A-Z]{1,5}|\s+[+-]\d{4})?\s+(\d{4})/.exec(
      line,
    );
  if (!m) return undefined;
  const t = Date.UTC(
    Number(m[6]),
    MONTHS.indexOf(m[1] ?? ''),
    Number(m[2]),
    Number(m[3]),
    Number(m[4]),
    Number(m[5] ?? 0),
  );
  return Number.isFinite(t) ? Math.floor(t / 1000) : undefined;
}

function dateHeaderTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? Math.floor(t / 1000) : undefined;
}
