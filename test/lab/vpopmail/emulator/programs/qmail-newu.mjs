import { qmailNewu } from '../qmail-files.mjs';

export default function qmailNewuProgram() {
  qmailNewu();
}
