/** Mboxes as qmail-local writes them (notqmail qmail-local.c mailfile(), gfrom.c), for tests. */

/** One message appended: From line, `>` before each `>*From ` line, a newline added where missing, an empty line. */
export function qmailAppend(
  message: string,
  sender = 'alice@example.com',
  date = 'Thu Dec  3 02:55:00 2026',
): string {
  let out = `From ${sender} ${date}\n`;
  for (const line of message.split(/(?<=\n)/)) {
    if (line === '') continue;
    out += (/^>*From /.test(line) ? '>' : '') + line;
  }
  if (message !== '' && !message.endsWith('\n')) out += '\n';
  return `${out}\n`;
}

/** What a Maildir file of a message appended by qmailAppend holds: the newline qmail added stays. */
export function asDelivered(message: string): string {
  return message === '' || message.endsWith('\n') ? message : `${message}\n`;
}
