/**
 * A real MariaDB server for a lab host whose vpopmail is built on the MySQL backend (spec 11):
 * its data directory made with mariadb-install-db in the host's own /var, its settings in the
 * host's own /etc (socket in the data directory, no TCP), started inside the host's namespaces
 * before sshd and stopped with them. The vpopmail database and login are made at start-up
 * from an init file, so no password is on a command line, and vpopmail reads the login from
 * ~vpopmail/etc/vpopmail.mysql as it does on a real installation.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sh } from './network.js';

/** Seen from inside the host. */
export const MARIADB_DATA = '/var/lib/vmigrate-mysql';
const SOCKET = `${MARIADB_DATA}/mysqld.sock`;
const INIT = `${MARIADB_DATA}/vpopmail-init.sql`;

export interface MariadbHost {
  /** strict: a value wider than its column is refused (MariaDB's default); lenient: cut (MySQL 5.x). */
  mode: 'strict' | 'lenient';
  vpopmail: { uid: number; gid: number; home: string };
  /** Maps a path on the host to where it is written from outside (its upper layer). */
  outside: (hostPath: string) => string;
  /** The upper layer of the host's /etc. */
  etcUpper: string;
}

function mysqlUid(): { uid: number; gid: number } {
  try {
    const [uid = NaN, gid = NaN] = sh('sh', ['-c', 'id -u mysql; id -g mysql'])
      .trim()
      .split('\n')
      .map(Number);
    return { uid, gid };
  } catch {
    throw new Error(
      'the lab needs MariaDB (its mysql user): apt-get install -y mariadb-server mariadb-client',
    );
  }
}

/** Prepares the server's files; returns the lines that start it inside the host's namespaces. */
export function prepareMariadb(host: MariadbHost): string[] {
  if (!existsSync('/usr/sbin/mariadbd') || !existsSync('/usr/bin/mariadb-install-db'))
    throw new Error('the lab needs MariaDB: apt-get install -y mariadb-server mariadb-client');
  const owner = mysqlUid();
  const conf = join(host.etcUpper, 'mysql', 'mariadb.conf.d');
  mkdirSync(conf, { recursive: true, mode: 0o755 });
  writeFileSync(
    join(conf, '99-vmigrate-lab.cnf'),
    [
      "# The lab host's own server: its data in its own /var, reached by socket only.",
      '[client-server]',
      `socket = ${SOCKET}`,
      '[mysqld]',
      `datadir = ${MARIADB_DATA}`,
      `pid-file = ${MARIADB_DATA}/mysqld.pid`,
      `init-file = ${INIT}`,
      'skip-networking',
      'innodb_buffer_pool_size = 16M',
      'innodb_log_file_size = 8M',
      'performance_schema = OFF',
      ...(host.mode === 'lenient' ? ['sql_mode = ""'] : []),
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const data = host.outside(MARIADB_DATA);
  mkdirSync(dirname(data), { recursive: true, mode: 0o755 });
  // Searchable by all, as Debian's /run/mysqld is: vdelivermail reaches the socket as the
  // domain's user, not as root.
  mkdirSync(data, { mode: 0o755 });
  chownSync(data, owner.uid, owner.gid);
  sh('mariadb-install-db', [
    '--no-defaults',
    '--user=mysql',
    `--datadir=${data}`,
    '--auth-root-authentication-method=socket',
    '--skip-test-db',
    '--skip-name-resolve',
  ]);
  const password = randomBytes(12).toString('hex');
  writeFileSync(
    host.outside(INIT),
    [
      'CREATE DATABASE IF NOT EXISTS vpopmail;',
      `CREATE USER IF NOT EXISTS 'vpopmail'@'localhost' IDENTIFIED BY '${password}';`,
      "GRANT ALL ON vpopmail.* TO 'vpopmail'@'localhost';",
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  chownSync(host.outside(INIT), owner.uid, owner.gid);
  const etc = join(host.outside(host.vpopmail.home), 'etc');
  mkdirSync(etc, { recursive: true, mode: 0o755 });
  // vpopmail's own file: host|port or socket|user|password|database, for reads (and writes:
  // one line). Its C client reads no my.cnf, so a socket elsewhere than the built-in one is
  // named here, as on a real installation with one.
  writeFileSync(join(etc, 'vpopmail.mysql'), `localhost|${SOCKET}|vpopmail|${password}|vpopmail\n`, {
    mode: 0o600,
  });
  chownSync(join(etc, 'vpopmail.mysql'), host.vpopmail.uid, host.vpopmail.gid);
  return [
    `mariadbd --user=mysql >>${MARIADB_DATA}/error.log 2>&1 </dev/null &`,
    // Up, and the init file run, before sshd lets anybody in.
    `i=0; until mysql -e "SELECT 1 FROM mysql.user WHERE user = 'vpopmail'" 2>/dev/null | grep -q 1; do i=$((i + 1)); [ $i -lt 200 ] || { echo 'mariadbd did not start' >&2; exit 1; }; sleep 0.05; done`,
  ];
}
