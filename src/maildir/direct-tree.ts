/**
 * One tree stream on the direct data path: the source's tar -c goes into the destination's
 * sshd with the source's own ssh (direct-sender.sh), logged in with the run's key through the
 * agent this connection forwards, and unpacked there by the same extractor as the relay's,
 * behind the grant's gatekeeper (migration/direct-grant.ts). Only the member list, tar's
 * checkpoints and the two sides' complaints cross the controller. The same job and the same
 * result as relayTree.
 */
import { readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { ConnectionError, DiskFullError, VmigrateError } from '../errors.js';
import { HELLO_REQUEST, receiveRequest } from './direct-request.js';
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

/** A script of the direct path, run on the source after the ssh settings they share. */
export function directScript(file: 'direct-sender.sh' | 'direct-master.sh'): string {
  const read = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
  return `${read('direct-ssh.sh')}\n${read(file)}`;
}

const SENDER = directScript('direct-sender.sh');
const DEST = 'vmigrate-dest: ';
const STATUS = /^vmigrate-direct-status: (\d+) (\d+)$/;
const RECORDS = /^tar: vmigrate-records (\d+)$/;
const TOTAL = /^Total bytes written: (\d+)/;
/** tar's record: its default blocking factor of 20 blocks of 512 bytes. */
const RECORD = 10_240;
const DISK_FULL = /No space left on device|Disk quota exceeded/;
/** Only so much of tar's complaints is kept: a tree of vanished files names every one. */
const SAID_CAP = 1 << 20;

/** Where the source's ssh goes, and what it checks and offers. */
export interface DirectRoute {
  /** The destination as the operator names it, for messages. */
  label: string;
  /** The destination's host key as the controller verified it: `<type> <base64>`. */
  hostKey: string;
  /** The run's public key (the forwarded agent holds its private half). */
  runKey: string;
  host: string;
  port: number;
  login: string;
  /** The control socket of the domain's connection on the source (direct-master.ts), if up. */
  controlPath?: string | undefined;
}

interface Sent {
  /** tar -c's own lines (checkpoints and total taken out). */
  sourceSaid: string;
  /** The destination's lines, as its sshd and gatekeeper and extractor printed them. */
  destSaid: string[];
  /** ssh's status (the destination's, or 255) and tar -c's, when the sender got to say them. */
  sshStatus: number | undefined;
  tarStatus: number | undefined;
  code: number | null;
  signal: string | null;
}

/** Runs the sender; tar's checkpoints become onBytes as they come, its total settles the rest. */
async function send(
  source: Remote,
  route: DirectRoute,
  request: string,
  tarArgs: readonly string[],
  members: Buffer,
  onBytes: ((n: number) => void) | undefined,
): Promise<Sent> {
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
      route.controlPath ?? '-',
      ...tarArgs,
    ],
    { forwardAgent: true },
  );
  let credited = 0;
  let total: number | undefined;
  let said = '';
  let partial = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const records = RECORDS.exec(line);
      if (records) {
        const now = Number(records[1]) * RECORD;
        if (now > credited) onBytes?.(now - credited);
        credited = Math.max(credited, now);
        continue;
      }
      const t = TOTAL.exec(line);
      if (t) total = Number(t[1]);
      else if (said.length < SAID_CAP) said += `${line}\n`;
    }
  });
  const [sent, done] = await Promise.allSettled([pipeline(Readable.from([members]), proc.stdin), proc.done]);
  if (done.status === 'rejected') throw done.reason;
  const st = done.value;
  if (st.lost) throw streamFailure(source, 'the direct stream', proc.command, st);
  if (partial !== '' && said.length < SAID_CAP) said += partial;
  const lines = st.stderr.split('\n');
  const status = lines.map((l) => STATUS.exec(l)).find(Boolean);
  const out: Sent = {
    sourceSaid: (said + lines.filter((l) => !l.startsWith(DEST) && !STATUS.test(l)).join('\n')).trim(),
    destSaid: lines.filter((l) => l.startsWith(DEST)).map((l) => l.slice(DEST.length)),
    sshStatus: status ? Number(status[1]) : undefined,
    tarStatus: status ? Number(status[2]) : undefined,
    code: st.code,
    signal: st.signal,
  };
  if (out.code === 0 && out.sshStatus === 0 && total !== undefined && total > credited)
    onBytes?.(total - credited);
  if (sent.status === 'rejected' && out.code === 0) throw sent.reason;
  return out;
}

/** Why a stream failed, as the error that tells the run what to do: retry, stop, or report. */
function failure(source: Remote, route: DirectRoute, s: Sent): VmigrateError {
  const dest = s.destSaid.join(' ').replace(/\s+/g, ' ').trim();
  const at = `the direct stream from ${source.label} into ${route.label}`;
  if (DISK_FULL.test(dest))
    return new DiskFullError(`tar -x on ${route.label}: ${dest}`, { host: route.label });
  // ssh's own 255: the destination could not be reached or refused the key. Another attempt
  // may reach it (a restarted sshd, a network blip); the retry policy bounds how many.
  if (s.sshStatus === 255)
    return new ConnectionError(
      `${at}: ${source.label}'s ssh could not log in: ${dest || 'no reason given'}`,
      {
        host: route.label,
      },
    );
  const what =
    s.code === null
      ? `signal ${s.signal ?? '?'}`
      : s.sshStatus === undefined
        ? `exit ${s.code}`
        : s.sshStatus !== 0
          ? `exit ${s.sshStatus}`
          : `tar -c exit ${s.tarStatus ?? '?'}`;
  const said = (dest || s.sourceSaid).replace(/\s+/g, ' ').trim();
  return new VmigrateError(`${at} failed (${what}): ${said.slice(0, 500)}`, { host: source.label });
}

export async function directTree(source: Remote, job: TreeRelay, route: DirectRoute): Promise<RelayResult> {
  if (job.members.length === 0) return { vanished: 0, vanishedNames: [] };
  if (job.extract === 'direct') throw new Error('the direct data path unpacks staged streams only');
  const request = receiveRequest({
    base: job.destBase,
    compress: job.compress,
    transform: placingTransform(job.destBase, job.targets),
  });
  // The sender runs tar -c itself: only its arguments.
  const s = await send(source, route, request, readerArgv(job).slice(2), nulList(job.members), job.onBytes);
  const ok =
    s.code === 0 &&
    s.sshStatus === 0 &&
    s.tarStatus !== undefined &&
    tarCreateOk(s.tarStatus, s.sourceSaid, job.live ?? false);
  if (!ok) throw failure(source, route, s);
  const vanishedNames = notSentNames(s.sourceSaid);
  return { vanished: vanishedNames.length, vanishedNames };
}

/**
 * The grant's check, before any mail moves: the source logs in to the destination with the
 * run's key and the gatekeeper answers. The address the destination saw the source come from,
 * or an error that says why not.
 */
export async function directHello(source: Remote, route: DirectRoute): Promise<string> {
  const s = await send(
    source,
    route,
    HELLO_REQUEST,
    ['--null', '-f', '/dev/null', '-T', '-'],
    Buffer.alloc(0),
    undefined,
  );
  const seen = s.destSaid.map((l) => /^vmigrate-hello (\S+)$/.exec(l)?.[1]).find(Boolean);
  if (s.code === 0 && s.sshStatus === 0 && seen) return seen;
  throw failure(source, route, s);
}
