// Just enough SMTP for the lab: qmail-smtpd's acceptance rules (rcpthosts) on the listening
// side, qmail-remote's conversation on the sending side.
import { Buffer } from 'node:buffer';
import net from 'node:net';
import { hostname } from 'node:os';
import { acceptsRcptHost } from './routing.mjs';

const unstuff = (lines) => lines.map((l) => (l.startsWith('..') ? l.slice(1) : l));

/** Lines from a socket, CRLF or LF terminated. */
function lineReader(socket, onLine) {
  let buf = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      onLine(line);
    }
  });
}

/** @param {(msg: {sender: string, recipients: string[], message: Buffer}) => string} accept returns the queue id */
export function startSmtpServer(port, accept) {
  const me = hostname();
  const server = net.createServer((socket) => {
    const say = (s) => socket.write(`${s}\r\n`);
    let sender;
    let rcpts = [];
    let data;
    say(`220 ${me} ESMTP`);
    lineReader(socket, (line) => {
      if (data) {
        if (line !== '.') {
          data.push(line);
          return;
        }
        const received = `Received: from ${socket.remoteAddress} by ${me} with SMTP; ${new Date().toUTCString()}\n`;
        const message = Buffer.from(
          received +
            unstuff(data)
              .map((l) => `${l}\n`)
              .join(''),
          'latin1',
        );
        data = undefined;
        try {
          const id = accept({ sender: sender ?? '', recipients: rcpts, message });
          say(`250 ok ${Math.floor(Date.now() / 1000)} qp ${id}`);
        } catch (e) {
          say(`451 qq temporary problem (${e.message})`);
        }
        sender = undefined;
        rcpts = [];
        return;
      }
      const verb = line.slice(0, 4).toUpperCase();
      const arg = /<([^>]*)>/.exec(line)?.[1] ?? '';
      if (verb === 'HELO' || verb === 'EHLO') say(`250 ${me}`);
      else if (verb === 'MAIL') {
        sender = arg;
        rcpts = [];
        say('250 ok');
      } else if (verb === 'RCPT') {
        if (sender === undefined) say('503 MAIL first (#5.5.1)');
        else if (!acceptsRcptHost(arg.slice(arg.lastIndexOf('@') + 1)))
          say("553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)");
        else {
          rcpts.push(arg);
          say('250 ok');
        }
      } else if (verb === 'DATA') {
        if (rcpts.length === 0) say('503 RCPT first (#5.5.1)');
        else {
          data = [];
          say('354 go ahead');
        }
      } else if (verb === 'RSET') {
        sender = undefined;
        rcpts = [];
        say('250 flushed');
      } else if (verb === 'NOOP') say('250 ok');
      else if (verb === 'QUIT') {
        say(`221 ${me}`);
        socket.end();
      } else say('502 unimplemented (#5.5.1)');
    });
    socket.on('error', () => {});
  });
  server.listen(port);
  return server;
}

/**
 * One message to one relay. Resolves { ok: true } or { ok: false, permanent, text }.
 */
export function smtpSend({ host, port, sender, recipient, message, timeoutMs = 20_000 }) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const steps = [
      () => `HELO ${hostname()}`,
      () => `MAIL FROM:<${sender}>`,
      () => `RCPT TO:<${recipient}>`,
      () => 'DATA',
      () => {
        const body = message
          .toString('latin1')
          .replace(/\n$/, '')
          .split('\n')
          .map((l) => (l.startsWith('.') ? `.${l}` : l));
        return `${body.join('\r\n')}\r\n.`;
      },
      () => 'QUIT',
    ];
    let step = -1;
    let finished = false;
    const finish = (r) => {
      if (finished) return;
      finished = true;
      socket.destroy();
      resolve(r);
    };
    socket.setTimeout(timeoutMs, () =>
      finish({ ok: false, permanent: false, text: 'timeout talking to relay' }),
    );
    socket.on('error', (e) =>
      finish({ ok: false, permanent: false, text: `relay ${host}:${port}: ${e.message}` }),
    );
    lineReader(socket, (line) => {
      if (/^\d{3}-/.test(line)) return;
      const code = Number(line.slice(0, 3));
      const expected = step === 3 ? 354 : step === 5 ? 221 : null;
      const good = expected ? code === expected : code >= 200 && code < 300;
      if (!good) {
        finish({ ok: false, permanent: code >= 500, text: `relay ${host} said: ${line}` });
        return;
      }
      if (step === 4) {
        socket.write('QUIT\r\n');
        finish({ ok: true, text: `relay ${host} accepted: ${line}` });
        return;
      }
      step += 1;
      socket.write(`${steps[step]()}\r\n`);
    });
  });
}
