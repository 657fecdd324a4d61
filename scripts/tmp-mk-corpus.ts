// npx tsx scripts/tmp-mk-corpus.ts small|many N  (manual lab; copy into scripts/ first)
import { readLab } from '../test/lab/lab.js';
import { withLabRemote } from '../test/lab/connect.js';
import { smallCorpus } from '../bench/corpus.js';
import { manyMailboxesDomain } from '../test/lab/many-mailboxes.js';
const lab = readLab('manual')!;
const [kind, n] = [process.argv[2], Number(process.argv[3])];
await withLabRemote(lab, 'old', async (remote) => {
  if (kind === 'small') {
    const c = await smallCorpus(remote, lab.hosts.old, n || 37500);
    console.log(c.domain, c.messages, c.files, c.bytes);
  } else {
    const c = await manyMailboxesDomain(remote, lab.hosts.old, `many-${n}.example`, n);
    console.log(`many-${n}.example`, c.messages, c.bytes);
  }
});
