// qmail-inject [-f sender] [--] recipient…: queue the message on stdin.
import process from 'node:process';
import { err, exit, readStdin } from '../io.mjs';
import { inject } from '../queue.mjs';

export default function qmailInject(argv) {
  let sender = process.env.NEWSENDER ?? process.env.SENDER ?? '';
  const recipients = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-f') sender = argv[++i] ?? '';
    else if (argv[i] !== '--') recipients.push(argv[i]);
  }
  if (recipients.length === 0) {
    err('qmail-inject: fatal: no recipients');
    exit(100);
  }
  inject({ sender, recipients, message: readStdin() });
}
