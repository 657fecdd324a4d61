// What qmail-send and qmail-remote read from control/: locals, virtualdomains (at start and
// on HUP), smtproutes (on every remote attempt), rcpthosts (qmail-smtpd). Spec section 15.
import { readLines } from './files.mjs';
import { qmailPath } from './config.mjs';

const control = (name) =>
  readLines(qmailPath('control', name))
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

export function loadLocalRules() {
  const locals = new Set(control('locals').map((l) => l.toLowerCase()));
  const virtual = control('virtualdomains').map((l) => {
    const i = l.indexOf(':');
    return { match: l.slice(0, i).toLowerCase(), prefix: l.slice(i + 1) };
  });
  return { locals, virtual };
}

/** A recipient becomes local (with its rewritten address) or stays remote. */
export function classify(rules, address) {
  const at = address.lastIndexOf('@');
  const local = at < 0 ? address : address.slice(0, at);
  const host = (at < 0 ? '' : address.slice(at + 1)).toLowerCase();
  if (rules.locals.has(host)) return { kind: 'local', address: `${local}@${host}` };
  const exact = rules.virtual.find((v) => v.match === `${local.toLowerCase()}@${host}`);
  const byHost =
    exact ??
    rules.virtual.find((v) => v.match === host) ??
    rules.virtual
      .filter((v) => v.match.startsWith('.') && host.endsWith(v.match))
      .sort((a, b) => b.match.length - a.match.length)[0];
  if (byHost) {
    if (!byHost.prefix) return { kind: 'remote', address };
    return { kind: 'local', address: `${byHost.prefix}-${local}@${host}` };
  }
  return { kind: 'remote', address };
}

/** smtproutes: exact domain, then `.suffix` (longest), then the `:relay` default. */
export function route(host) {
  const h = host.toLowerCase();
  const lines = control('smtproutes').map((l) => {
    const [domain, relay = '', port = ''] = l.split(':');
    return { domain: domain.toLowerCase(), relay, port: Number(port) || 25 };
  });
  let best = lines.find((r) => r.domain === h);
  if (!best) {
    for (let i = h.indexOf('.'); i >= 0; i = h.indexOf('.', i + 1)) {
      best = lines.find((r) => r.domain === h.slice(i));
      if (best) break;
    }
  }
  best ??= lines.find((r) => r.domain === '');
  return best && best.relay ? best : undefined;
}

export function acceptsRcptHost(host) {
  const h = host.toLowerCase();
  return (
    control('rcpthosts')
      .map((l) => l.toLowerCase())
      .includes(h) ||
    control('morercpthosts')
      .map((l) => l.toLowerCase())
      .includes(h)
  );
}
