/**
 * An SMTP conversation that sends nothing: the greeting, HELO, a null sender and one RCPT per
 * domain, then RSET and QUIT. It proves that a route carries mail for these domains and that
 * the far end accepts them (qmail-smtpd answers RCPT from rcpthosts), without a message.
 */
import type { Duplex } from 'node:stream';

export interface SmtpProbe {
  greeting: string;
  /** The domains refused at RCPT, with the reply. */
  refused: Array<{ name: string; reply: string }>;
}

export async function probeSmtp(
  stream: Duplex,
  names: readonly string[],
  timeoutMs = 20_000,
): Promise<SmtpProbe> {
  const replies = replyReader(stream);
  const timer = setTimeout(
    () => stream.destroy(new Error(`no SMTP answer within ${timeoutMs / 1000} s`)),
    timeoutMs,
  );
  const say = async (line: string) => {
    stream.write(`${line}\r\n`);
    return replies.next();
  };
  try {
    const greeting = await replies.next();
    if (!greeting.startsWith('220'))
      throw new Error(`the SMTP server greets with ${JSON.stringify(greeting)}`);
    const helo = await say('HELO vmigrate.invalid');
    if (!helo.startsWith('250')) throw new Error(`HELO was answered ${JSON.stringify(helo)}`);
    const mail = await say('MAIL FROM:<>');
    if (!mail.startsWith('250')) throw new Error(`MAIL FROM:<> was answered ${JSON.stringify(mail)}`);
    const refused: SmtpProbe['refused'] = [];
    for (const name of names) {
      const reply = await say(`RCPT TO:<postmaster@${name}>`);
      if (!reply.startsWith('250')) refused.push({ name, reply });
    }
    await say('RSET');
    stream.write('QUIT\r\n');
    return { greeting, refused };
  } finally {
    clearTimeout(timer);
    stream.end();
  }
}

/** Final reply lines (multi-line replies folded to their last line), one per next(). */
function replyReader(stream: Duplex): { next(): Promise<string> } {
  let buf = '';
  const lines: string[] = [];
  const waiting: Array<{ ok: (l: string) => void; fail: (e: Error) => void }> = [];
  let ended: Error | undefined;
  const settle = () => {
    while (lines.length > 0 && waiting.length > 0) waiting.shift()!.ok(lines.shift()!);
    if (ended) for (const w of waiting.splice(0)) w.fail(ended);
  };
  stream.on('data', (chunk: Buffer) => {
    buf += chunk.toString('latin1');
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      if (!/^\d{3}-/.test(line)) lines.push(line);
    }
    settle();
  });
  const end = (e: Error) => {
    ended ??= e;
    settle();
  };
  stream.on('error', end);
  stream.on('close', () => end(new Error('the SMTP server closed the connection')));
  stream.on('end', () => end(new Error('the SMTP server closed the connection')));
  return {
    next: () =>
      new Promise((ok, fail) => {
        waiting.push({ ok, fail });
        settle();
      }),
  };
}
