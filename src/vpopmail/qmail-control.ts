/**
 * The edits a cutover makes to qmail's control files, and the queue as qmail-qread shows it
 * (spec 3.3, 3.4, 15). Pure: text in, text out. Every other line of a file is kept byte for
 * byte, comments and odd spacing included, so that a rollback and a diff show only our lines.
 */

export interface RouteTarget {
  host: string;
  port?: number | undefined;
}

export interface LineEdit {
  text: string;
  /** The lines taken out, as they were. */
  removed: string[];
  /** The lines put in. */
  added: string[];
}

const lower = (s: string) => s.toLowerCase();

function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines, finalNewline };
}

function joinLines(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** The domain a control line names: the text before the first colon, trimmed, lowercased. */
const keyOf = (line: string) => {
  const i = line.indexOf(':');
  return lower((i < 0 ? line : line.slice(0, i)).trim());
};

/**
 * virtualdomains without the lines of these domains (`name:prefix`; an address line
 * `user@name:prefix` names one address only and is kept).
 */
export function withoutVirtualDomains(text: string, names: readonly string[]): LineEdit {
  return withoutLines(text, (line) => names.map(lower).includes(keyOf(line)));
}

/** locals without these domains (one name per line). */
export function withoutLocals(text: string, names: readonly string[]): LineEdit {
  return withoutLines(text, (line) => names.map(lower).includes(lower(line.trim())));
}

function withoutLines(text: string, drop: (line: string) => boolean): LineEdit {
  const { lines } = splitLines(text);
  const removed = lines.filter((l) => l.trim() !== '' && !l.trim().startsWith('#') && drop(l));
  if (removed.length === 0) return { text, removed: [], added: [] };
  return { text: joinLines(lines.filter((l) => !removed.includes(l))), removed, added: [] };
}

export function routeLine(name: string, to: RouteTarget): string {
  return to.port && to.port !== 25 ? `${name}:${to.host}:${to.port}` : `${name}:${to.host}`;
}

/**
 * smtproutes with one line per domain sending it to `to`. A line for the same domain is
 * replaced (qmail takes the first match, so two would leave the old one in force); the
 * others, `.suffix` and `:default` lines included, are kept in their places.
 */
export function withRoutes(text: string, names: readonly string[], to: RouteTarget): LineEdit {
  const { lines } = splitLines(text);
  const wanted = names.map(lower);
  const removed = lines.filter((l) => !l.trim().startsWith('#') && wanted.includes(keyOf(l)));
  const added = wanted.map((n) => routeLine(n, to));
  if (removed.length === added.length && removed.every((l, i) => l === added[i])) {
    return { text, removed: [], added: [] };
  }
  const kept = lines.filter((l) => !removed.includes(l));
  return { text: joinLines([...kept, ...added]), removed, added };
}

/** Whether each of `names` is a line of rcpthosts or morercpthosts (qmail-smtpd accepts it). */
export function acceptedNames(rcpthosts: string, morercpthosts: string, names: readonly string[]): string[] {
  const all = new Set(
    [...splitLines(rcpthosts).lines, ...splitLines(morercpthosts).lines].map((l) => lower(l.trim())),
  );
  return names.filter((n) => all.has(lower(n)));
}

/** The names that virtualdomains makes local (`name:...` with a non-empty prefix). */
export function virtualNames(text: string, names: readonly string[]): string[] {
  const local = new Set(
    splitLines(text)
      .lines.filter((l) => !l.trim().startsWith('#') && /:.+/.test(l.slice(l.indexOf(':'))))
      .map(keyOf),
  );
  return names.filter((n) => local.has(lower(n)));
}

/** The names control/locals lists (qmail compares them lower-cased). */
export function localNames(text: string, names: readonly string[]): string[] {
  const local = new Set(
    splitLines(text)
      .lines.map((l) => lower(l.trim()))
      .filter((l) => l !== '' && !l.startsWith('#')),
  );
  return names.filter((n) => local.has(lower(n)));
}

export interface QueuedMessage {
  id: string;
  /** When the message was queued, in seconds since the epoch (qmail-qread's GMT time). */
  queuedAt: number;
  size: number;
  sender: string;
  recipients: Array<{ kind: 'local' | 'remote'; address: string; done: boolean }>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * qmail-qread's output (spec 15): a header line per message, then one tab-indented line per
 * recipient, prefixed with `  done` once delivered.
 */
export function parseQread(output: string): QueuedMessage[] {
  const out: QueuedMessage[] = [];
  for (const line of output.split('\n')) {
    const head = /^\d{1,2} (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT {2}#(\d+) {2}(\d+) {2}<(.*)> /.exec(line);
    if (head) {
      const [, mon, year, hh, mm, ss, id, size, sender] = head;
      const day = Number(line.slice(0, line.indexOf(' ')));
      out.push({
        id: id!,
        queuedAt:
          Date.UTC(Number(year), MONTHS.indexOf(mon!), day, Number(hh), Number(mm), Number(ss)) / 1000,
        size: Number(size),
        sender: sender!,
        recipients: [],
      });
      continue;
    }
    const rcpt = /^( {2}done)?\t(local|remote)\t(.*)$/.exec(line);
    if (rcpt && out.length > 0) {
      out[out.length - 1]!.recipients.push({
        kind: rcpt[2] as 'local' | 'remote',
        address: rcpt[3]!,
        done: rcpt[1] !== undefined,
      });
    }
  }
  return out;
}

const hostOf = (address: string) => lower(address.slice(address.lastIndexOf('@') + 1));

/**
 * Deliveries of one kind still to be made for these domains. A local recipient keeps its
 * original domain after the `@` (`example.com-alice@example.com`), which is how it is told apart.
 */
export function pendingFor(
  queue: readonly QueuedMessage[],
  names: readonly string[],
  kind: 'local' | 'remote',
): QueuedMessage[] {
  const wanted = new Set(names.map(lower));
  return queue.filter((m) =>
    m.recipients.some((r) => r.kind === kind && !r.done && wanted.has(hostOf(r.address))),
  );
}
