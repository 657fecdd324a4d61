// qmail-local [-nN] -- user homedir local dash ext domain sender aliasempty  (message on stdin)
import { qmailLocal } from '../local-delivery.mjs';
import { err, exit, out, readStdin } from '../io.mjs';

export default async function qmailLocalProgram(argv) {
  let dry = false;
  while (argv[0]?.startsWith('-') && argv[0] !== '--') {
    if (argv[0].includes('n')) dry = true;
    argv.shift();
  }
  if (argv[0] === '--') argv.shift();
  const [user, home, local, , ext, domain, sender, aliasempty] = argv;
  const r = await qmailLocal({ user, home, local, ext, domain, sender, aliasempty, body: readStdin(), dry });
  if (r.code === 0) out(r.text);
  else err(r.text);
  exit(r.code);
}
