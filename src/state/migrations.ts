/**
 * The state store's schema, one migration per version. A migration is only ever appended:
 * a store written by an older vmigrate is brought forward on open, never rewritten.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: runs, their domains, each step, each mailbox, and the messages vmigrate copied.
  `
  CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    command     TEXT NOT NULL,
    args        TEXT NOT NULL,
    source      TEXT NOT NULL,
    destination TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL DEFAULT 'running'
  );
  CREATE TABLE domains (
    run_id  INTEGER NOT NULL REFERENCES runs(id),
    domain  TEXT NOT NULL,
    phase   TEXT NOT NULL DEFAULT 'pending',
    error   TEXT,
    PRIMARY KEY (run_id, domain)
  );
  CREATE TABLE steps (
    run_id     INTEGER NOT NULL REFERENCES runs(id),
    domain     TEXT NOT NULL,
    step       TEXT NOT NULL,
    status     TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (run_id, domain, step)
  );
  CREATE TABLE mailboxes (
    run_id     INTEGER NOT NULL REFERENCES runs(id),
    domain     TEXT NOT NULL,
    mailbox    TEXT NOT NULL,
    status     TEXT NOT NULL,
    messages   INTEGER NOT NULL DEFAULT 0,
    bytes      INTEGER NOT NULL DEFAULT 0,
    error      TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (run_id, domain, mailbox)
  );
  -- What --delete may remove on the destination: only messages vmigrate brought there.
  CREATE TABLE copied_messages (
    source      TEXT NOT NULL,
    destination TEXT NOT NULL,
    domain      TEXT NOT NULL,
    mailbox     TEXT NOT NULL,
    folder      TEXT NOT NULL,
    unique_name TEXT NOT NULL,
    PRIMARY KEY (source, destination, domain, mailbox, folder, unique_name)
  );
  `,
  // 2: who runs a run (to tell a live run from one whose controller died), per-domain
  // progress and failures, the local half of the domain lock, and the store's own identity
  // (a destination lock names the store that holds it).
  `
  ALTER TABLE runs ADD COLUMN pid INTEGER;
  ALTER TABLE runs ADD COLUMN controller TEXT;
  ALTER TABLE domains ADD COLUMN updated_at TEXT;
  ALTER TABLE domains ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE domains ADD COLUMN mailboxes INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE domains ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE domains ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE steps ADD COLUMN error TEXT;
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE locks (
    destination TEXT NOT NULL,
    domain      TEXT NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    pid         INTEGER NOT NULL,
    controller  TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    PRIMARY KEY (destination, domain)
  );
  `,
  // 3: folder and unique names of copied messages are file names, i.e. bytes that need not be
  // UTF-8: they are kept as BLOBs from now on. CAST gives the UTF-8 bytes of the text kept so
  // far, which is what those names were on disk.
  `
  UPDATE copied_messages SET folder = CAST(folder AS BLOB), unique_name = CAST(unique_name AS BLOB);
  `,
  // 4: each copied message as vmigrate last wrote it on the destination (its path under the
  // user directory, a byte string, and its size), and whether it is known to have arrived
  // (confirmed) or was only about to be sent. A later sync tells from these whether a user
  // changed it on the destination since. Rows kept so far have no path: they are treated as
  // before (the source's state wins).
  `
  ALTER TABLE copied_messages ADD COLUMN path BLOB;
  ALTER TABLE copied_messages ADD COLUMN size INTEGER;
  ALTER TABLE copied_messages ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 1;
  `,
  // 5: the other files vmigrate wrote in a Maildir (IMAP and POP state: uid lists,
  // subscriptions, keywords), as it wrote them, so that a sync never overwrites one the
  // destination's own server has changed since.
  `
  CREATE TABLE copied_files (
    source      TEXT NOT NULL,
    destination TEXT NOT NULL,
    domain      TEXT NOT NULL,
    mailbox     TEXT NOT NULL,
    path        BLOB NOT NULL,
    size        INTEGER NOT NULL,
    mtime       INTEGER NOT NULL,
    confirmed   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, destination, domain, mailbox, path)
  );
  `,
  // 6: cutovers. Every change a cutover makes on the source (a control file's content, owner
  // and mode; the domain directory's mode; a user's flags) is written here before it is made,
  // with the state before and after, so that a killed cutover continues and a rollback puts
  // back exactly what was there.
  `
  CREATE TABLE cutovers (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    source      TEXT NOT NULL,
    destination TEXT NOT NULL,
    domain      TEXT NOT NULL,
    plan        TEXT NOT NULL,
    state       TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );
  CREATE TABLE cutover_steps (
    cutover_id INTEGER NOT NULL REFERENCES cutovers(id),
    step       TEXT NOT NULL,
    detail     TEXT,
    at         TEXT NOT NULL,
    PRIMARY KEY (cutover_id, step)
  );
  CREATE TABLE cutover_changes (
    cutover_id INTEGER NOT NULL REFERENCES cutovers(id),
    seq        INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    target     TEXT NOT NULL,
    before     BLOB,
    before_meta TEXT NOT NULL,
    after      BLOB,
    after_meta TEXT NOT NULL,
    status     TEXT NOT NULL,
    PRIMARY KEY (cutover_id, seq)
  );
  `,
  // 7: the direct data path's authorized_keys lines on destinations, recorded before each is
  // written, so that a run killed at any point, a resume or cleanup finds and removes them.
  `
  CREATE TABLE direct_grants (
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    destination TEXT NOT NULL,
    login       TEXT NOT NULL,
    marker      TEXT NOT NULL,
    file        TEXT,
    added_at    TEXT NOT NULL,
    removed_at  TEXT,
    PRIMARY KEY (run_id, destination, marker)
  );
  `,
  // 8: when each grant line stops working by itself: a leftover that could not be removed is
  // reported with it (an expired line is harmless).
  `ALTER TABLE direct_grants ADD COLUMN expires_at TEXT;`,
];
