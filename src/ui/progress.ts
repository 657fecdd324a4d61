/**
 * Progress of a transfer, three ways: bars on a terminal (overall bytes, messages, mailboxes,
 * rate, ETA, and a line per active mailbox), a plain line every few seconds without one, and
 * JSON events with --json-events. All three count the same way (ProgressTotals).
 */
import type cliProgress from 'cli-progress';
import { lateRequire } from '../late-require.js';
import type { Mailbox, MailboxResult } from '../maildir/sync.js';
import type { TransferEvents } from '../migration/transfer.js';
import { formatBytes, formatDuration } from './table.js';

export interface Progress extends TransferEvents {
  stop(): void;
}

/** Where the events of a domain's transfer go. */
export type ProgressMode = 'terminal' | 'plain' | 'events';

/**
 * The figures every display shows. Bytes are tar stream bytes, the unit the relays report;
 * each mailbox's total is what it already sent plus what its latest plan will send, so a
 * mailbox tried again after a cut stream never shows more done than planned. Messages count
 * as each stream ends, not only when the whole mailbox does.
 */
export class ProgressTotals {
  readonly started = Date.now();
  mailboxesDone = 0;
  mailboxesFailed = 0;
  messages = 0;
  private readonly boxes = new Map<string, { planned: number; done: number }>();
  private samples: Array<{ at: number; done: number }> = [];

  constructor(readonly mailboxes: number) {}

  planned(box: Mailbox, streamBytes: number): void {
    const b = this.boxes.get(box.label) ?? { planned: 0, done: 0 };
    b.planned = b.done + streamBytes;
    this.boxes.set(box.label, b);
  }

  bytes(box: Mailbox, n: number): void {
    const b = this.boxes.get(box.label) ?? { planned: 0, done: 0 };
    b.done += n;
    // Compression or an estimate short of the truth: the total follows what was really sent.
    b.planned = Math.max(b.planned, b.done);
    this.boxes.set(box.label, b);
  }

  finished(r: MailboxResult | Error): void {
    if (r instanceof Error) this.mailboxesFailed++;
    else this.mailboxesDone++;
  }

  get doneBytes(): number {
    let n = 0;
    for (const b of this.boxes.values()) n += b.done;
    return n;
  }

  get totalBytes(): number {
    let n = 0;
    for (const b of this.boxes.values()) n += b.planned;
    return n;
  }

  boxFigures(box: Mailbox): { planned: number; done: number } | undefined {
    return this.boxes.get(box.label);
  }

  /** Bytes per second over the last 20 s (the whole run before that). */
  rate(now = Date.now()): number {
    const done = this.doneBytes;
    this.samples.push({ at: now, done });
    while (this.samples.length > 2 && now - this.samples[0]!.at > 20_000) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (now - first.at) / 1000;
    if (seconds < 1) return done / Math.max(1, (now - this.started) / 1000);
    return (done - first.done) / seconds;
  }

  /** Seconds left, or undefined while nothing can be said (no rate yet, or the plans not all known). */
  eta(rate: number): number | undefined {
    if (rate <= 0 || this.boxes.size < this.mailboxes) return undefined;
    const left = this.totalBytes - this.doneBytes;
    return Number.isFinite(left / rate) ? Math.max(0, left / rate) : undefined;
  }

  summary(): Record<string, number | null> {
    const rate = this.rate();
    const eta = this.eta(rate);
    return {
      mailboxesDone: this.mailboxesDone,
      mailboxesFailed: this.mailboxesFailed,
      mailboxes: this.mailboxes,
      messages: this.messages,
      bytes: this.doneBytes,
      totalBytes: this.totalBytes,
      bytesPerSecond: Math.round(rate),
      etaSeconds: eta === undefined ? null : Math.round(eta),
    };
  }
}

function counting(t: ProgressTotals): Required<Pick<TransferEvents, 'planned' | 'bytes' | 'sent'>> {
  return {
    planned: (box, p) => t.planned(box, p.streamBytes),
    bytes: (box, n) => t.bytes(box, n),
    sent: (_box, f) => (t.messages += f.messages),
  };
}

export function eventProgress(
  emit: (event: Record<string, unknown> & { event: string }) => void,
  totalMailboxes: number,
  domain?: string,
  everyMs = 2000,
): Progress {
  const t = new ProgressTotals(totalMailboxes);
  const at = domain ? { domain } : {};
  const count = counting(t);
  const tick = () => emit({ event: 'progress', ...at, ...t.summary() });
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    ...count,
    started: (box) => emit({ event: 'mailbox-start', ...at, mailbox: box.label }),
    planned: (box, p) => {
      count.planned(box, p);
      emit({ event: 'mailbox-plan', ...at, mailbox: box.label, ...p });
    },
    finished: (box, r) => {
      t.finished(r);
      if (r instanceof Error) emit({ event: 'mailbox-failed', ...at, mailbox: box.label, error: r.message });
      else emit({ event: 'mailbox-done', ...at, mailbox: box.label, ...r });
    },
    stop: () => {
      clearInterval(timer);
      tick();
    },
  };
}

function plainLine(t: ProgressTotals): string {
  const rate = t.rate();
  const eta = t.eta(rate);
  return (
    `progress: ${t.mailboxesDone + t.mailboxesFailed}/${t.mailboxes} mailboxes, ${t.messages} messages, ` +
    `${formatBytes(t.doneBytes)} of ${formatBytes(t.totalBytes)} (${formatBytes(rate)}/s` +
    `${eta === undefined ? '' : `, ${formatDuration(eta)} left`})` +
    (t.mailboxesFailed ? `, ${t.mailboxesFailed} failed` : '')
  );
}

export function plainProgress(
  write: (line: string) => void,
  totalMailboxes: number,
  everyMs = 10_000,
): Progress {
  const t = new ProgressTotals(totalMailboxes);
  const timer = setInterval(() => write(plainLine(t)), everyMs);
  timer.unref();
  return {
    ...counting(t),
    finished: (box, r) => {
      t.finished(r);
      if (r instanceof Error) write(`failed: ${box.label}: ${r.message}`);
    },
    stop: () => {
      clearInterval(timer);
      write(plainLine(t));
    },
  };
}

export function terminalProgress(stream: NodeJS.WriteStream, totalMailboxes: number): Progress {
  const t = new ProgressTotals(totalMailboxes);
  const count = counting(t);
  const bars = lateRequire('cli-progress') as typeof cliProgress;
  const multi = new bars.MultiBar(
    {
      stream,
      clearOnComplete: true,
      hideCursor: true,
      // The bar's own ETA divides by a rate that starts at zero ("NFs"): ours is shown instead.
      format: ' {bar} {pct}% | {value_h}/{total_h} | {messages} msgs | {boxes} | {rate}/s | ETA {eta_h}',
    },
    bars.Presets.shades_classic,
  );
  const overall = multi.create(1, 0, {
    pct: '0',
    messages: 0,
    boxes: `0/${totalMailboxes} mailboxes`,
    rate: '0 B',
    value_h: '0 B',
    total_h: '0 B',
    eta_h: '--',
  });
  const lines = new Map<string, cliProgress.SingleBar>();
  const refresh = () => {
    const rate = t.rate();
    const eta = t.eta(rate);
    const total = Math.max(1, t.totalBytes);
    const done = Math.min(t.doneBytes, total);
    overall.setTotal(total);
    overall.update(done, {
      pct: String(Math.floor((done / total) * 100)),
      messages: t.messages,
      boxes: `${t.mailboxesDone + t.mailboxesFailed}/${t.mailboxes} mailboxes${t.mailboxesFailed ? ` (${t.mailboxesFailed} failed)` : ''}`,
      rate: formatBytes(rate),
      value_h: formatBytes(done),
      total_h: formatBytes(total),
      eta_h: eta === undefined ? '--' : formatDuration(eta),
    });
  };
  let lastRefresh = 0;
  return {
    ...count,
    planned: (b, p) => {
      count.planned(b, p);
      const f = t.boxFigures(b)!;
      const bar = lines.get(b.label);
      if (bar) bar.setTotal(Math.max(1, f.planned));
      else
        lines.set(
          b.label,
          multi.create(Math.max(1, f.planned), f.done, {}, { format: `   ${b.label} {bar} {percentage}%` }),
        );
      refresh();
    },
    bytes: (b, n) => {
      count.bytes(b, n);
      const f = t.boxFigures(b)!;
      const bar = lines.get(b.label);
      if (bar) {
        bar.setTotal(Math.max(1, f.planned));
        bar.update(f.done);
      }
      // Called for every chunk of every stream: the totals line is redrawn 10 times a second.
      const now = Date.now();
      if (now - lastRefresh >= 100) {
        lastRefresh = now;
        refresh();
      }
    },
    sent: (b, f) => {
      count.sent(b, f);
      refresh();
    },
    finished: (b, r: MailboxResult | Error) => {
      t.finished(r);
      const bar = lines.get(b.label);
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
 * The display for `mode`. `shared`: other domains report at the same time, so a terminal gets
 * plain lines (prefixed with the domain) rather than bars that would fight over the screen.
 */
export function progressFor(
  mode: ProgressMode,
  totalMailboxes: number,
  options: {
    domain?: string | undefined;
    shared?: boolean;
    emit?: (event: Record<string, unknown> & { event: string }) => void;
  } = {},
): Progress {
  if (mode === 'events' && options.emit) return eventProgress(options.emit, totalMailboxes, options.domain);
  if (mode === 'terminal' && !options.shared) return terminalProgress(process.stderr, totalMailboxes);
  const prefix = options.shared && options.domain ? `${options.domain}: ` : '';
  return plainProgress((l) => process.stderr.write(`${prefix}${l}\n`), totalMailboxes);
}
