/**
 * One JSON log file per run (mode 0600), written synchronously so that a killed process still
 * leaves a complete log. Terminal output is separate (src/ui): the log is for after the fact.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { scrubText, scrubValue } from './redact.js';

export type { Logger };

export interface RunLog {
  logger: Logger;
  file: string;
  close(): void;
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

export function createLogger(destination: pino.DestinationStream, level = 'debug'): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      // Secret fields are censored by our own walk of each record (scrubValue), which runs
      // anyway: pino's redact option parsed its paths again for every line and was 40% of what
      // a move of 2,000 mailboxes allocated.
      formatters: {
        log: (obj) => scrubValue(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<
            typeof method
          >;
          method.apply(this, scrubbed);
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export function openRunLog(dir: string, command: string): RunLog {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(
    dir,
    `${timestamp(new Date())}-${command.replace(/[^a-z0-9-]/gi, '-')}-${process.pid}.log`,
  );
  const dest = pino.destination({ dest: file, sync: true, mode: 0o600, mkdir: true });
  chmodSync(file, 0o600);
  // A log that cannot be written (its disk full) is said once; the run goes on, and what was
  // not written is tried again with the next line. Unheard, the stream's error ended the process.
  let failed = false;
  dest.on('error', (err: Error) => {
    if (!failed) process.stderr.write(`warning: the run log ${file} cannot be written: ${err.message}\n`);
    failed = true;
  });
  const logger = createLogger(dest);
  return {
    logger,
    file,
    // Written synchronously, the log holds nothing unwritten unless a write failed; and then
    // flushSync would retry for ever (it sleeps and retries every error but EAGAIN).
    close: () => {
      if (!failed) dest.flushSync();
    },
  };
}

/** A logger that writes nowhere, for library use and tests that do not inspect logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
