import { qmailNewmrh } from '../qmail-files.mjs';

export default function qmailNewmrhProgram() {
  qmailNewmrh();
}
