/**
 * One tree stream on the direct data path: the source's tar -c goes into the destination's
 * sshd with the source's own ssh (direct-sender.sh), logged in with the run's key through the
 * agent this connection forwards, and unpacked there by the same extractor as the relay's,
 * behind the grant's gatekeeper (migration/direct-grant.ts). Only the member list and the two
 * sides' complaints cross the controller. The same job and the same result as relayTree.
 */
import { readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { VmigrateError } from '../errors.js';
import { receiveRequest } from './direct-request.js';
import type { Remote } from '../remote/remote.js';
import { streamFailure } from '../remote/stream-lines.js';
import { nulList } from './byte-names.js';
import {
  notSentNames,
  placingTransform,
  readerArgv,
  tarCreateOk,
  type RelayResult,
  type TreeRelay,
} from './tar-relay.js';

const SENDER = readFileSync(new URL('./direct-sender.sh', import.meta.url), 'utf8');
const DEST = 'vmigrate-dest: ';
const STATUS = /^vmigrate-direct-status: (\d+) (\d+)$/;

/** Where the source's ssh goes, and what it checks and offers. */
export interface DirectRoute {
  /** The destination's host key as the controller verified it: `<type> <base64>`. */
  hostKey: string;
  /** The run's public key (the forwarded agent holds its private half). */
  runKey: string;
  host: string;
  port: number;
  login: string;
}

export async function directTree(source: Remote, job: TreeRelay, route: DirectRoute): Promise<RelayResult> {
  if (job.members.length === 0) return { vanished: 0, vanishedNames: [] };
  if (job.extract === 'direct') throw new Error('the direct data path unpacks staged streams only');
  const request = receiveRequest({
    base: job.destBase,
    compress: job.compress,
    transform: placingTransform(job.destBase, job.targets),
  });
  const proc = await source.spawn(
    [
      'sh',
      '-c',
      SENDER,
      'vmigrate-direct',
      route.hostKey,
      route.runKey,
      route.host,
      String(route.port),
      route.login,
      request,
      // The sender runs tar -c itself: only its arguments.
      ...readerArgv(job).slice(2),
    ],
    { forwardAgent: true },
  );
  proc.stdout.resume();
  const [sent, done] = await Promise.allSettled([
    pipeline(Readable.from([nulList(job.members)]), proc.stdin),
    proc.done,
  ]);
  if (done.status === 'rejected') throw done.reason;
  const st = done.value;
  if (st.lost) throw streamFailure(source, 'the direct stream', proc.command, st);
  const lines = st.stderr.split('\n');
  const destSaid = lines.filter((l) => l.startsWith(DEST)).map((l) => l.slice(DEST.length));
  const sourceSaid = lines.filter((l) => !l.startsWith(DEST) && !STATUS.test(l)).join('\n');
  // The sender's last word: ssh's status (the destination's) and tar -c's.
  const [, sshStatus, tarStatus] = (lines.map((l) => STATUS.exec(l)).find(Boolean) ?? []).map(Number);
  const ok =
    st.code === 0 &&
    sshStatus === 0 &&
    tarStatus !== undefined &&
    tarCreateOk(tarStatus, sourceSaid, job.live ?? false);
  if (!ok) {
    const what =
      st.code === null
        ? `signal ${st.signal ?? '?'}`
        : sshStatus === undefined
          ? `exit ${st.code}`
          : sshStatus !== 0
            ? `exit ${sshStatus}`
            : `tar -c exit ${tarStatus ?? '?'}`;
    const said = (destSaid.length > 0 ? destSaid.join(' ') : sourceSaid).replace(/\s+/g, ' ').trim();
    throw new VmigrateError(
      `the direct stream from ${source.label} into ${route.host} failed (${what}): ${said.slice(0, 500)}`,
      { host: source.label },
    );
  }
  if (sent.status === 'rejected') throw sent.reason;
  const vanishedNames = notSentNames(sourceSaid);
  return { vanished: vanishedNames.length, vanishedNames };
}
