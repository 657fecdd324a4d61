// qmail-qread: every preprocessed message with its recipients (spec 15).
import { out } from '../io.mjs';
import { queued } from '../queue.mjs';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n) => String(n).padStart(2, '0');
const printable = (s) => s.replace(/[^\x20-\x7e]/g, '_');

export default function qmailQread() {
  for (const m of queued()) {
    const d = new Date(m.received);
    const when = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} GMT`;
    const bouncing = m.recipients.some((r) => r.bounced && !r.done) ? 'bouncing' : '';
    out(`${when}  #${m.id}  ${m.size}  <${printable(m.sender)}> ${bouncing}`);
    for (const r of m.recipients) out(`${r.done ? '  done' : ''}\t${r.kind}\t${printable(r.address)}`);
  }
}
