// qmail-qstat: how many messages are queued, and how many are not yet preprocessed.
import { out } from '../io.mjs';
import { incomingCount, queued } from '../queue.mjs';

export default function qmailQstat() {
  const todo = incomingCount();
  out(`messages in queue: ${queued().length + todo}`);
  out(`messages in queue but not yet preprocessed: ${todo}`);
}
