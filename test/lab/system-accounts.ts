/**
 * A "system" mail domain on a lab host: qmail delivering `system.example` to Unix accounts
 * (control/locals), as a server that never had vpopmail does. Users with each crypt scheme the
 * lab's libcrypt makes ($1$, $5$, $6$, $y$) and one it cannot verify, Maildir and mbox users
 * (qmail's own mboxrd, From-quoting, a message without a final newline, a 10 MiB message),
 * `.qmail` forwards, extensions and a program delivery, `~alias` aliases, and accounts that
 * are no mail users (below the uid range; a home that is not the user's). Hashes are made on
 * the host by its own crypt() (perl), as passwd would.
 */
import type { Remote } from '../../src/remote/remote.js';
import { quote } from '../../src/remote/quote.js';

export const SYSTEM_DOMAIN = 'system.example';
/** The lowest uid of the fixture's mail users (the lab operator's account is below it). */
export const SYSTEM_UID_MIN = 5000;
/** A domain control/virtualdomains hands to a prefix of an account below the range (sysvirt-px). */
export const PREFIX_DOMAIN = 'prefix.example';

export interface SystemMessage {
  text: string;
  /** mbox From-line date (UTC). */
  date: string;
  status?: string;
}

export interface SystemUser {
  name: string;
  uid: number;
  gecos: string;
  clear: string;
  /** crypt setting (the scheme and salt), or a whole hash no crypt() here verifies. */
  salt?: string;
  hash?: string;
  /** ~/.qmail, when the user has one. */
  dotQmail?: string;
  /** Other ~/.qmail-<ext> files. */
  extensions?: Record<string, string>;
  /** Messages in ~/Maildir by folder ('' = INBOX). */
  maildir?: Record<string, string[]>;
  /** ~/Maildir/maildirsize, a Maildir++ quota. */
  maildirsize?: string;
  /** An mbox: its path (relative to the home, or absolute) and its messages. */
  mbox?: { path: string; messages: SystemMessage[] };
  /** The home belongs to root: qmail-getpw does not deliver to such a user. */
  foreignHome?: boolean;
}

const big = `Subject: ten mebibytes\n\n${'0123456789abcdef\n'.repeat(640 * 1024)}`;

export const SYSTEM_USERS: SystemUser[] = [
  {
    name: 'sysann',
    uid: 5001,
    gecos: 'Ann Example,,,',
    clear: 'ann-secret',
    salt: '$6$annsalt1$',
    maildir: {
      '': ['Subject: hello ann\n\nfirst\n', 'Subject: second\n\nsecond\n'],
      '.Sent': ['Subject: sent by ann\n\nsent\n'],
      '.Lists': ['Subject: list mail\n\nfrom a list\n'],
    },
    extensions: { lists: './Maildir/.Lists/\n' },
    maildirsize: '52428800S,5000C\n109 4\n',
  },
  {
    name: 'sysbob',
    uid: 5002,
    gecos: 'Bob Mbox',
    clear: 'bob-secret',
    salt: '$1$bobsalt$',
    dotQmail: './Mailbox\n',
    mbox: {
      path: 'Mailbox',
      messages: [
        {
          text: 'Subject: quoting\n\nFrom the first line\n>From quoted once\n>>From quoted twice\n',
          date: 'Mon Nov 30 10:00:00 2026',
          status: 'RO',
        },
        { text: 'Subject: no final newline\n\nthe end', date: 'Tue Dec  1 11:30:00 2026' },
        { text: big, date: 'Wed Dec  2 12:00:00 2026', status: 'O' },
      ],
    },
  },
  {
    name: 'syscarl',
    uid: 5003,
    gecos: 'Carl Spool',
    clear: 'carl-secret',
    salt: '$5$carlsalt$',
    dotQmail: `/var/spool/mail/syscarl\n&sysann@${SYSTEM_DOMAIN}\n`,
    mbox: {
      path: '/var/spool/mail/syscarl',
      messages: [{ text: 'Subject: spool\n\nin the spool\n', date: 'Thu Dec  3 08:00:00 2026' }],
    },
  },
  {
    name: 'sysdora',
    uid: 5004,
    gecos: 'Dora Forward',
    clear: 'dora-secret',
    salt: '$y$j9T$F5Jx5fExrKuJdxB.eCXCb/',
    dotQmail: '&dora@elsewhere.example\n./Maildir/\n',
    maildir: { '': ['Subject: kept copy\n\nkept\n'] },
  },
  {
    name: 'sysed',
    uid: 5005,
    gecos: 'Ed Argon',
    clear: 'ed-secret',
    // A hash from a system whose crypt() knows argon2: libxcrypt here does not.
    hash: '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG',
    maildir: { '': ['Subject: argon\n\nmail for ed\n'] },
  },
  {
    name: 'sysfred',
    uid: 5006,
    gecos: 'Fred Filter',
    clear: 'fred-secret',
    salt: '$6$fredsalt$',
    dotQmail: '|/usr/local/bin/myfilter --user fred\n./Maildir/\n',
    extensions: { sales: '&sysann\n./Maildir/.Sales/\n' },
    maildir: { '': ['Subject: filtered\n\nfiltered\n'], '.Sales': ['Subject: an order\n\nsales\n'] },
  },
  {
    name: 'sysgus',
    uid: 5007,
    gecos: 'Gus Rootshome',
    clear: 'gus-secret',
    salt: '$6$gussalt$',
    foreignHome: true,
  },
];

/** ~alias/.qmail-<name> files: aliases of every local domain. */
export const SYSTEM_ALIASES: Record<string, string> = {
  postmaster: 'sysann\n',
  info: `&sysbob@${SYSTEM_DOMAIN}\n`,
  'mailer-daemon': 'sysann\n',
};

/**
 * users/assign `=` lines: an address delivered through an extension of fred's, and one into a
 * directory that is no account's home (a shared mailbox nobody logs into).
 */
export const SYSTEM_ASSIGN = [
  '=sales:sysfred:5006:5006:/home/sysfred:-:sales:',
  '=shared:sysfred:5006:5006:/home/sysshared:::',
];

/** The shared mailbox's messages (/home/sysshared/Maildir). */
export const SHARED_MESSAGES = ['Subject: shared one\n\nfor all\n', 'Subject: shared two\n\nfor all again\n'];

/** The prefix domain's account and its files: each `.qmail-px-<address>` is an address of PREFIX_DOMAIN. */
export const PREFIX_FILES: Record<string, string> = {
  'px-info': `&sysann@${SYSTEM_DOMAIN}\n&joe\n`,
  'px-box': './box/Maildir/\n',
  'px-default': './Maildir/\n',
  'px-run': '|/usr/bin/true\n',
};
export const PREFIX_BOX_MESSAGES = ['Subject: in the box\n\nboxed\n'];
/** What `.qmail-px-default` (every other address) delivered into sysvirt's own Maildir. */
export const PREFIX_CATCHALL_MESSAGES = ['Subject: to anyone\n\ncaught\n'];

/** A daemon account below the uid range: never a mail user. */
const DAEMON = 'sysdaemon:x:150:150:daemon:/var/lib/sysdaemon:/usr/sbin/nologin';

/** The mbox qmail-local would have written (notqmail qmail-local.c mailfile()). */
export function qmailMbox(messages: readonly SystemMessage[]): string {
  return messages
    .map((m) => {
      let body = '';
      const [head, ...rest] = m.text.split('\n\n');
      const headers = m.status ? `${head}\nStatus: ${m.status}` : head;
      const text = [headers, ...rest].join('\n\n');
      for (const line of text.split(/(?<=\n)/)) if (line) body += (/^>*From /.test(line) ? '>' : '') + line;
      if (!text.endsWith('\n')) body += '\n';
      return `From someone@example.org ${m.date}\n${body}\n`;
    })
    .join('');
}

/** Loads the domain on a lab host (as root): accounts, homes, mail, .qmail files, qmail control. */
export async function loadSystemDomain(remote: Remote, qmail: string): Promise<void> {
  // Loaded once per lab: the accounts are appended to the host's passwd.
  const lines: string[] = ['grep -q "^sysann:" /etc/passwd && exit 0', 'set -e', 'umask 022'];
  const put = (path: string, content: string, owner: string, mode = '644') =>
    lines.push(
      `mkdir -p ${quote(path.slice(0, path.lastIndexOf('/')))}`,
      `printf %s ${quote(content)} > ${quote(path)}`,
      `chown ${owner} ${quote(path)} && chmod ${mode} ${quote(path)}`,
    );
  for (const u of SYSTEM_USERS) {
    const home = `/home/${u.name}`;
    const own = `${u.uid}:${u.uid}`;
    const hash = u.hash
      ? quote(u.hash)
      : `"$(perl -e 'print crypt($ARGV[0], $ARGV[1])' ${quote(u.clear)} ${quote(u.salt ?? '')})"`;
    lines.push(
      `echo ${quote(`${u.name}:x:${u.uid}:${u.uid}:${u.gecos}:${home}:/bin/sh`)} >> /etc/passwd`,
      `echo ${quote(`${u.name}:x:${u.uid}:`)} >> /etc/group`,
      `h=${hash}; echo "${u.name}:$h:20000:0:99999:7:::" >> /etc/shadow`,
      `mkdir -p ${home} && chown ${u.foreignHome ? '0:0' : own} ${home} && chmod 755 ${home}`,
    );
    if (u.dotQmail !== undefined) put(`${home}/.qmail`, u.dotQmail, own);
    for (const [ext, text] of Object.entries(u.extensions ?? {})) put(`${home}/.qmail-${ext}`, text, own);
    let n = 0;
    for (const [folder, messages] of Object.entries(u.maildir ?? {})) {
      const dir = `${home}/Maildir${folder ? `/${folder}` : ''}`;
      lines.push(`for s in cur new tmp; do mkdir -p ${quote(dir)}/$s; done`);
      for (const m of messages) {
        n += 1;
        put(`${dir}/${n % 2 ? 'cur' : 'new'}/17330${n}0000.M${n}P1.old${n % 2 ? ':2,S' : ''}`, m, own, '600');
      }
    }
    if (u.maildirsize) put(`${home}/Maildir/maildirsize`, u.maildirsize, own, '600');
    if (u.maildir) lines.push(`chown -R ${own} ${home}/Maildir && chmod -R go-rwx ${home}/Maildir`);
    if (u.mbox) {
      const path = u.mbox.path.startsWith('/') ? u.mbox.path : `${home}/${u.mbox.path}`;
      put(path, qmailMbox(u.mbox.messages), own, '600');
    }
  }
  lines.push(
    `echo ${quote(DAEMON)} >> /etc/passwd`,
    `echo 'alias:x:7790:7790:qmail alias:${qmail}/alias:/usr/sbin/nologin' >> /etc/passwd`,
    `mkdir -p ${qmail}/alias && chown 7790:7790 ${qmail}/alias`,
    `grep -qx ${SYSTEM_DOMAIN} ${qmail}/control/locals 2>/dev/null || echo ${SYSTEM_DOMAIN} >> ${qmail}/control/locals`,
    // qmail-smtpd takes its mail (a cutover relays it from there; cleanup removes the line). In
    // morercpthosts: rcpthosts holds its 50 lines already, the fixture's threshold.
    `grep -qx ${SYSTEM_DOMAIN} ${qmail}/control/morercpthosts 2>/dev/null || { echo ${SYSTEM_DOMAIN} >> ${qmail}/control/morercpthosts && ${qmail}/bin/qmail-newmrh; }`,
    `echo ./Maildir/ > ${qmail}/control/defaultdelivery`,
  );
  for (const [name, text] of Object.entries(SYSTEM_ALIASES))
    put(`${qmail}/alias/.qmail-${name}`, text, '7790:7790');
  // The shared mailbox users/assign names, and the lines (before the file's closing dot).
  put('/home/sysshared/.qmail', './Maildir/\n', '5006:5006');
  SHARED_MESSAGES.forEach((m, i) =>
    put(`/home/sysshared/Maildir/cur/17331${i}0000.M${i}P1.old:2,S`, m, '5006:5006', '600'),
  );
  lines.push(
    'mkdir -p /home/sysshared/Maildir/new /home/sysshared/Maildir/tmp && chown -R 5006:5006 /home/sysshared',
    `a=${qmail}/users/assign; touch "$a"; { grep -v '^\\.$' "$a"; printf '%s\\n' ${SYSTEM_ASSIGN.map(quote).join(' ')} .; } > "$a.new" && mv "$a.new" "$a"`,
  );
  // The prefix domain: an account below the range, its .qmail-px-* files, the virtualdomains line.
  lines.push(
    "echo 'sysvirt:x:4900:4900:Virtual Prefix:/home/sysvirt:/usr/sbin/nologin' >> /etc/passwd",
    'mkdir -p /home/sysvirt && chown 4900:4900 /home/sysvirt',
    `echo ${PREFIX_DOMAIN}:sysvirt-px >> ${qmail}/control/virtualdomains`,
  );
  for (const [ext, text] of Object.entries(PREFIX_FILES))
    put(`/home/sysvirt/.qmail-${ext}`, text, '4900:4900');
  PREFIX_CATCHALL_MESSAGES.forEach((m, i) =>
    put(`/home/sysvirt/Maildir/new/17334${i}0000.M${i}P1.old`, m, '4900:4900', '600'),
  );
  PREFIX_BOX_MESSAGES.forEach((m, i) =>
    put(`/home/sysvirt/box/Maildir/new/17332${i}0000.M${i}P1.old`, m, '4900:4900', '600'),
  );
  lines.push(
    'for m in /home/sysvirt/box/Maildir /home/sysvirt/Maildir; do mkdir -p $m/cur $m/tmp; done && chown -R 4900:4900 /home/sysvirt',
  );
  const r = await remote.exec(['sh', '-s'], { stdin: lines.join('\n') });
  if (r.code !== 0) throw new Error(`loading ${SYSTEM_DOMAIN} on ${remote.label} failed: ${r.stderr}`);
}
