// qmail-qstat: how many messages are queued, and how many are not yet preprocessed.
import { out } from '../io.mjs';
import { incoming, queued } from '../queue.mjs';

export default function qmailQstat() {
  const todo = incoming().length;
  out(`messages in queue: ${queued().length + todo}`);
  out(`messages in queue but not yet preprocessed: ${todo}`);
}
