// The lab's qmail queue. Injectors (qmail-inject, the SMTP listener) drop a message into
// queue/incoming (world-writable, as qmail-queue is setuid for everyone); qmail-send
// preprocesses it into queue/info + queue/mess, classifying each recipient once (spec 15).
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import process from 'node:process';
import { Buffer } from 'node:buffer';
import { qmailPath } from './config.mjs';

export const queueDir = (...p) => qmailPath('queue', ...p);

export function ensureQueue() {
  for (const d of ['incoming', 'info', 'mess']) mkdirSync(queueDir(d), { recursive: true, mode: 0o700 });
  // Anyone may queue (qmail-queue is setuid): the drop box is reachable and world-writable.
  chmodSync(queueDir(), 0o755);
  chmodSync(queueDir('incoming'), 0o1777);
}

let seq = 0;
const newId = () => `${Date.now()}${String(process.pid).padStart(7, '0')}${String(seq++).padStart(3, '0')}`;

/** Queue a message. Returns its queue id. */
export function inject({ sender, recipients, message }) {
  const id = newId();
  if (!existsSync(queueDir('incoming'))) ensureQueue();
  const envelope = Buffer.from(`${JSON.stringify({ sender, recipients, received: Date.now() })}\n`);
  const tmp = queueDir('incoming', `${id}.tmp`);
  writeFileSync(tmp, Buffer.concat([envelope, message]), { mode: 0o644 });
  renameSync(tmp, queueDir('incoming', `${id}.msg`));
  return id;
}

const incomingNames = () =>
  existsSync(queueDir('incoming'))
    ? readdirSync(queueDir('incoming'))
        .filter((f) => f.endsWith('.msg'))
        .sort()
    : [];

export const incomingCount = () => incomingNames().length;

/** Messages waiting to be preprocessed, oldest first. */
export function incoming() {
  return incomingNames().flatMap((f) => {
    let raw;
    try {
      raw = readFileSync(queueDir('incoming', f));
    } catch {
      return []; // taken meanwhile
    }
    const nl = raw.indexOf(10);
    return [
      {
        id: f.slice(0, -4),
        file: queueDir('incoming', f),
        envelope: JSON.parse(raw.subarray(0, nl).toString()),
        message: raw.subarray(nl + 1),
      },
    ];
  });
}

/**
 * @typedef {{ address: string, kind: 'local'|'remote', original: string, done: boolean, result?: string, nextTry: number, tries: number }} Recipient
 * @typedef {{ id: string, sender: string, received: number, size: number, recipients: Recipient[] }} Info
 */

export function writeInfo(info) {
  const tmp = queueDir('info', `${info.id}.tmp`);
  writeFileSync(tmp, JSON.stringify(info));
  renameSync(tmp, queueDir('info', `${info.id}.json`));
}

/** @returns {Info[]} */
export function queued() {
  if (!existsSync(queueDir('info'))) return [];
  return readdirSync(queueDir('info'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(queueDir('info', f), 'utf8'))];
      } catch {
        return [];
      }
    });
}

export const messagePath = (id) => queueDir('mess', id);
