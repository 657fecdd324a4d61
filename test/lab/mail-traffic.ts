/**
 * Mail arriving during a test: SMTP submissions to a lab host at a steady rate, each message
 * carrying an id, and every id the server accepted kept, so a test can prove that each one
 * ends up exactly once in exactly one place.
 */
import { connect, type Socket } from 'node:net';
import type { Remote } from '../../src/remote/remote.js';

export const TRAFFIC_HEADER = 'X-Lab-Message-Id';

export interface TrafficOptions {
  host: string;
  port?: number;
  recipients: readonly string[];
  /** Messages per second. */
  rate: number;
  /** Distinguishes the ids of two generators in one test. */
  tag?: string;
  sender?: string;
}

export interface TrafficReport {
  /** id -> recipient, for every message the server accepted with 250. */
  accepted: Map<string, string>;
  /** Submissions refused or failed, with the reason. */
  failed: { id: string; recipient: string; reason: string }[];
}

/** One SMTP conversation for one message; resolves with the final reply line. */
export function submit(
  host: string,
  port: number,
  sender: string,
  recipient: string,
  body: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host, port });
    const script = [
      `HELO traffic.lab`,
      `MAIL FROM:<${sender}>`,
      `RCPT TO:<${recipient}>`,
      'DATA',
      `${body}\r\n.`,
      'QUIT',
    ];
    let step = -1;
    let buf = '';
    let last = '';
    socket.setTimeout(15_000, () => socket.destroy(new Error('SMTP timeout')));
    socket.on('error', reject);
    socket.on('close', () => resolve(last));
    socket.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        if (/^\d{3}-/.test(line)) continue;
        const code = Number(line.slice(0, 3));
        const ok = step === 3 ? code === 354 : code >= 200 && code < 300;
        if (step === 4) last = line;
        if (!ok) {
          last = line;
          socket.end();
          return;
        }
        step += 1;
        if (step < script.length) socket.write(`${script[step]}\r\n`);
      }
    });
  });
}

/** Sends one traffic message now; resolves with the server's last reply (250 … when queued). */
export function sendMessage(o: {
  host: string;
  port?: number;
  recipient: string;
  id: string;
  sender?: string;
}): Promise<string> {
  const sender = o.sender ?? 'traffic@remote.example';
  return submit(o.host, o.port ?? 25, sender, o.recipient, messageBody(o.id, sender, o.recipient));
}

export function messageBody(id: string, sender: string, recipient: string): string {
  return [
    `From: ${sender}`,
    `To: ${recipient}`,
    `Subject: lab traffic ${id}`,
    `Message-ID: <${id}@traffic.lab>`,
    `${TRAFFIC_HEADER}: ${id}`,
    '',
    `This is message ${id}.`,
  ].join('\r\n');
}

/** Starts sending at once; `stop()` waits for submissions in flight and reports. */
export function startTraffic(o: TrafficOptions): { stop(): Promise<TrafficReport>; sent(): number } {
  const port = o.port ?? 25;
  const sender = o.sender ?? 'traffic@remote.example';
  const tag = o.tag ?? 't';
  const report: TrafficReport = { accepted: new Map(), failed: [] };
  const inFlight = new Set<Promise<void>>();
  let n = 0;
  const sendOne = () => {
    const recipient = o.recipients[n % o.recipients.length] ?? '';
    const id = `${tag}-${String(++n).padStart(6, '0')}`;
    const p = submit(o.host, port, sender, recipient, messageBody(id, sender, recipient))
      .then((reply) => {
        if (reply.startsWith('250')) report.accepted.set(id, recipient);
        else report.failed.push({ id, recipient, reason: reply });
      })
      .catch((err: Error) => {
        report.failed.push({ id, recipient, reason: err.message });
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const timer = setInterval(sendOne, Math.max(1, Math.round(1000 / o.rate)));
  return {
    sent: () => n,
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return report;
    },
  };
}

/**
 * Every traffic id found in a host's Maildirs (new/ and cur/ of every folder), with the
 * files that hold it: one round trip.
 */
export async function findTrafficIds(remote: Remote, domainsDir: string): Promise<Map<string, string[]>> {
  const script = [
    `find ${domainsDir} -type f -path '*/Maildir/*' \\( -path '*/new/*' -o -path '*/cur/*' \\) -print0 |`,
    `  xargs -0 -r grep -H -m 1 '^${TRAFFIC_HEADER}: ' || true`,
  ].join('\n');
  const r = await remote.run(['sh', '-s'], { stdin: script });
  const found = new Map<string, string[]>();
  for (const line of r.stdout.toString().split('\n')) {
    const m = new RegExp(`^(.*):${TRAFFIC_HEADER}: (\\S+)`).exec(line);
    if (!m?.[1] || !m[2]) continue;
    const list = found.get(m[2]) ?? [];
    list.push(m[1]);
    found.set(m[2], list);
  }
  return found;
}

export interface QueuedRecipient {
  queueId: string;
  kind: 'local' | 'remote';
  address: string;
  done: boolean;
}

/** The host's queue as qmail-qread prints it, one entry per recipient. */
export async function readQueue(remote: Remote, qmailDir: string): Promise<QueuedRecipient[]> {
  const r = await remote.run([`${qmailDir}/bin/qmail-qread`]);
  const out: QueuedRecipient[] = [];
  let queueId = '';
  for (const line of r.stdout.toString().split('\n')) {
    const head = /#(\S+)/.exec(line);
    if (!line.startsWith('\t') && !line.startsWith('  done') && head?.[1]) queueId = head[1];
    const rcpt = /^( {2}done)?\t(local|remote)\t(.*)$/.exec(line);
    if (rcpt?.[2] && rcpt[3] !== undefined)
      out.push({ queueId, kind: rcpt[2] as 'local' | 'remote', address: rcpt[3], done: Boolean(rcpt[1]) });
  }
  return out;
}

/**
 * Waits until no local delivery is pending on the host (remote ones to the world outside
 * the lab wait forever, as they would without DNS), or throws after timeoutMs.
 */
export async function waitForLocalDeliveries(
  remote: Remote,
  qmailDir: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // qstat and qread are two reads: a forward injected by a delivery that ends between them is
  // in neither. Quiet twice in a row, a poll apart, the queue is really done with local mail.
  let quiet = 0;
  for (;;) {
    const stat = (await remote.run([`${qmailDir}/bin/qmail-qstat`])).stdout.toString();
    const pending = (await readQueue(remote, qmailDir)).filter((r) => r.kind === 'local' && !r.done);
    quiet = pending.length === 0 && /not yet preprocessed: 0\n/.test(stat) ? quiet + 1 : 0;
    if (quiet >= 2) return;
    if (Date.now() > deadline)
      throw new Error(
        `local deliveries still pending after ${timeoutMs} ms: ${pending.map((p) => p.address).join(', ')}`,
      );
    await new Promise((res) => setTimeout(res, 250));
  }
}
