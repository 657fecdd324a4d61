// The lab's mail server process: qmail-send's queue runner (preprocess, local and remote
// deliveries, retries), with an SMTP listener in front (qmail-smtpd). Runs until killed.
//   SIGHUP  reload locals and virtualdomains (vpopmail's tools send it)
//   SIGALRM retry deferred deliveries now
// Every outcome is a JSON line in <qmail>/emulator/delivery.log, for the tests.
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { emulatorState } from '../config.mjs';
import { usersCdbLookup } from '../qmail-files.mjs';
import { qmailLocal } from '../local-delivery.mjs';
import { ensureQueue, incoming, inject, messagePath, queueDir, queued, writeInfo } from '../queue.mjs';
import { classify, loadLocalRules, route } from '../routing.mjs';
import { smtpSend, startSmtpServer } from '../smtp.mjs';

// qmail-send's retry schedule (nextretry()): a deferred delivery is tried again when the
// message's age reaches (floor(sqrt(age)) + chanskip)^2 seconds, chanskip 10 for local and 20
// for remote deliveries: local ones at about 100 s, 400 s, 900 s... The lab runs the same
// schedule on a faster clock (QMAIL_RETRY_SCALE=0.01: 1 s, 4 s, 9 s...).
const RETRY_SCALE = Number(process.env.QMAIL_RETRY_SCALE ?? 1);
const CHANSKIP = { local: 10, remote: 20 };

function nextRetry(received, kind, now) {
  const age = Math.max(0, (now - received) / 1000 / RETRY_SCALE);
  const n = Math.floor(Math.sqrt(age)) + CHANSKIP[kind];
  return received + n * n * 1000 * RETRY_SCALE;
}
const TICK_MS = 100;
const PARALLEL = 4;

function log(entry) {
  appendFileSync(emulatorState('delivery.log'), `${JSON.stringify({ time: Date.now(), ...entry })}\n`);
}

/** qmail-lspawn: the longest users/cdb prefix of the local part gives uid, gid, home and ext. */
function lspawnLookup(localPart) {
  const l = localPart.toLowerCase();
  const exact = usersCdbLookup(`${l}\0`);
  if (exact) return { ...exact, ext: '' };
  for (let i = l.length; i > 0; i--) {
    if (l[i - 1] !== '-') continue;
    const hit = usersCdbLookup(l.slice(0, i));
    if (hit) return { ...hit, ext: hit.pre + localPart.slice(i) };
  }
  return undefined;
}

async function deliverLocal(info, r, body) {
  const at = r.address.lastIndexOf('@');
  const local = r.address.slice(0, at);
  const domain = r.address.slice(at + 1);
  const who = lspawnLookup(local);
  if (!who) return { code: 100, text: 'Sorry, no mailbox here by that name. (#5.1.1)' };
  return qmailLocal({
    user: who.user,
    uid: who.uid,
    gid: who.gid,
    home: who.dir,
    local,
    ext: who.ext,
    domain,
    sender: info.sender,
    aliasempty: './Maildir/',
    body,
  });
}

async function deliverRemote(info, r, body) {
  const host = r.address.slice(r.address.lastIndexOf('@') + 1);
  const relay = route(host);
  if (!relay) return { code: 111, text: `no route for ${host} (the lab has no DNS; add control/smtproutes)` };
  const res = await smtpSend({
    host: relay.relay,
    port: relay.port,
    sender: info.sender,
    recipient: r.address,
    message: body,
  });
  return { code: res.ok ? 0 : res.permanent ? 100 : 111, text: res.text };
}

export default async function qmailSend() {
  ensureQueue();
  mkdirSync(emulatorState(), { recursive: true });
  writeFileSync(emulatorState('qmail-send.pid'), `${process.pid}\n`);
  process.title = 'qmail-send';
  let rules = loadLocalRules();
  let retryNow = false;
  process.on('SIGHUP', () => {
    rules = loadLocalRules();
    log({ event: 'hup' });
  });
  process.on('SIGALRM', () => {
    retryNow = true;
  });
  process.on('SIGTERM', () => process.exit(0));
  startSmtpServer(Number(process.env.QMAIL_SMTP_PORT ?? 25), (m) => inject(m));
  log({ event: 'start', pid: process.pid });

  const busy = new Set();
  for (;;) {
    for (const m of incoming()) {
      writeFileSync(messagePath(m.id), m.message);
      const recipients = m.envelope.recipients.map((addr) => ({
        ...classify(rules, addr),
        original: addr,
        done: false,
        tries: 0,
        nextTry: 0,
      }));
      writeInfo({
        id: m.id,
        sender: m.envelope.sender,
        received: m.envelope.received,
        size: m.message.length,
        recipients,
      });
      rmSync(m.file, { force: true });
      log({ event: 'new', id: m.id, sender: m.envelope.sender, recipients });
    }
    const now = Date.now();
    const force = retryNow;
    retryNow = false;
    const work = [];
    for (const info of queued()) {
      if (busy.has(info.id)) continue;
      if (!info.recipients.some((r) => !r.done && (force || r.nextTry <= now))) continue;
      work.push(info);
    }
    for (const info of work.slice(0, PARALLEL - busy.size)) {
      busy.add(info.id);
      void attempt(info, force).finally(() => busy.delete(info.id));
    }
    await new Promise((res) => setTimeout(res, TICK_MS));
  }
}

async function attempt(info, force) {
  const body = readFileSync(messagePath(info.id));
  for (const r of info.recipients) {
    if (r.done || (!force && r.nextTry > Date.now())) continue;
    r.tries += 1;
    let res;
    try {
      res = r.kind === 'local' ? await deliverLocal(info, r, body) : await deliverRemote(info, r, body);
    } catch (e) {
      res = { code: 111, text: String(e?.message ?? e) };
    }
    const result =
      res.code === 0
        ? r.kind === 'local'
          ? 'delivered'
          : 'relayed'
        : res.code === 100
          ? 'bounced'
          : 'deferred';
    log({
      event: result,
      id: info.id,
      kind: r.kind,
      address: r.address,
      original: r.original,
      text: res.text,
    });
    if (res.code === 0 || res.code === 100) {
      r.done = true;
      r.result = result;
      if (res.code === 100)
        appendFileSync(
          emulatorState('bounces.log'),
          `${JSON.stringify({ id: info.id, address: r.original, text: res.text })}\n`,
        );
    } else r.nextTry = nextRetry(info.received, r.kind, Date.now());
  }
  if (info.recipients.every((r) => r.done)) {
    rmSync(messagePath(info.id), { force: true });
    rmSync(queueDir('info', `${info.id}.json`), { force: true });
  } else writeInfo(info);
}
