/**
 * Progress of a transfer, three ways: bars on a terminal (overall bytes, messages, mailboxes,
 * rate, ETA, and a line per active mailbox), periodic plain lines without one, and one JSON
 * event per line with --json.
 */
import cliProgress from 'cli-progress';
import type { Mailbox, MailboxResult } from '../maildir/sync.js';
import type { TransferEvents } from '../migration/transfer.js';
import { formatBytes } from './table.js';

export interface Progress extends TransferEvents {
  stop(): void;
}

interface Totals {
  mailboxes: number;
  done: number;
  failed: number;
  bytes: number;
  plannedBytes: number;
  messages: number;
}

function counters(totalMailboxes: number): Totals {
  return { mailboxes: totalMailboxes, done: 0, failed: 0, bytes: 0, plannedBytes: 0, messages: 0 };
}

export function jsonProgress(
  write: (line: string) => void,
  totalMailboxes: number,
  domain?: string,
): Progress {
  const t = counters(totalMailboxes);
  const emit = (o: Record<string, unknown>) =>
    write(JSON.stringify({ time: new Date().toISOString(), ...(domain ? { domain } : {}), ...o }));
  return {
    started: (box) => emit({ event: 'mailbox-start', mailbox: box.label }),
    planned: (box, p) => emit({ event: 'mailbox-plan', mailbox: box.label, ...p }),
    finished: (box, r) => {
      if (r instanceof Error) {
        t.failed += 1;
        emit({ event: 'mailbox-failed', mailbox: box.label, error: r.message });
      } else {
        t.done += 1;
        emit({
          event: 'mailbox-done',
          mailbox: box.label,
          ...r,
          mailboxesDone: t.done,
          mailboxes: t.mailboxes,
        });
      }
    },
    stop: () => {},
  };
}

export function plainProgress(
  write: (line: string) => void,
  totalMailboxes: number,
  everyMs = 10_000,
): Progress {
  const t = counters(totalMailboxes);
  const started = Date.now();
  const line = () =>
    write(
      `progress: ${t.done + t.failed}/${t.mailboxes} mailboxes, ${t.messages} messages, ${formatBytes(t.bytes)} ` +
        `(${formatBytes(t.bytes / Math.max(1, (Date.now() - started) / 1000))}/s)${t.failed ? `, ${t.failed} failed` : ''}`,
    );
  const timer = setInterval(line, everyMs);
  timer.unref();
  return {
    bytes: (_box, n) => (t.bytes += n),
    finished: (box, r) => {
      if (r instanceof Error) {
        t.failed += 1;
        write(`failed: ${box.label}: ${r.message}`);
      } else {
        t.done += 1;
        t.messages += r.messagesCopied;
      }
    },
    stop: () => {
      clearInterval(timer);
      line();
    },
  };
}

export function terminalProgress(stream: NodeJS.WriteStream, totalMailboxes: number): Progress {
  const t = counters(totalMailboxes);
  const multi = new cliProgress.MultiBar(
    {
      stream,
      clearOnComplete: true,
      hideCursor: true,
      format:
        ' {bar} {percentage}% | {value_h}/{total_h} | {messages} msgs | {boxes} | {rate}/s | ETA {eta_formatted}',
      formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? formatBytes(v) : String(v)),
    },
    cliProgress.Presets.shades_classic,
  );
  const overall = multi.create(1, 0, {
    messages: 0,
    boxes: `0/${totalMailboxes} mailboxes`,
    rate: '0 B',
    value_h: '0 B',
    total_h: '0 B',
  });
  const started = Date.now();
  const lines = new Map<string, cliProgress.SingleBar>();
  const refresh = () => {
    const rate = t.bytes / Math.max(1, (Date.now() - started) / 1000);
    overall.setTotal(Math.max(1, t.plannedBytes));
    overall.update(t.bytes, {
      messages: t.messages,
      boxes: `${t.done + t.failed}/${t.mailboxes} mailboxes${t.failed ? ` (${t.failed} failed)` : ''}`,
      rate: formatBytes(rate),
      value_h: formatBytes(t.bytes),
      total_h: formatBytes(t.plannedBytes),
    });
  };
  const box = (b: Mailbox) => lines.get(b.label);
  let lastRefresh = 0;
  return {
    planned: (b, p) => {
      t.plannedBytes += p.bytes;
      lines.set(
        b.label,
        multi.create(Math.max(1, p.bytes), 0, {}, { format: `   ${b.label} {bar} {percentage}%` }),
      );
      refresh();
    },
    bytes: (b, n) => {
      t.bytes += n;
      box(b)?.increment(n);
      // Called for every chunk of every stream: the totals line is redrawn 10 times a second.
      const now = Date.now();
      if (now - lastRefresh >= 100) {
        lastRefresh = now;
        refresh();
      }
    },
    finished: (b, r: MailboxResult | Error) => {
      if (r instanceof Error) t.failed += 1;
      else {
        t.done += 1;
        t.messages += r.messagesCopied;
      }
      const bar = box(b);
      if (bar) multi.remove(bar);
      lines.delete(b.label);
      refresh();
    },
    stop: () => {
      refresh();
      multi.stop();
    },
  };
}

/**
 * The right display for where output goes. `shared`: other domains report at the same time,
 * so a terminal gets plain lines rather than bars that would fight over the screen.
 */
export function progressFor(
  json: boolean,
  totalMailboxes: number,
  options: { domain?: string; shared?: boolean } = {},
): Progress {
  if (json) return jsonProgress((l) => process.stdout.write(`${l}\n`), totalMailboxes, options.domain);
  if (process.stderr.isTTY && !options.shared) return terminalProgress(process.stderr, totalMailboxes);
  const prefix = options.shared && options.domain ? `${options.domain}: ` : '';
  return plainProgress((l) => process.stderr.write(`${prefix}${l}\n`), totalMailboxes);
}
