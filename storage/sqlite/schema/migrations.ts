import type { SqliteConnection } from '../driver.ts'
import { SqliteStoreError } from '../errors.ts'
import { transactions } from '../transaction.ts'

/**
 * Marks a file as a Portcullis store (`PRAGMA application_id`, "PCLS"), so another
 * application's database is refused instead of being given our tables.
 */
export const applicationId = 0x50434c53

/**
 * The forward migrations; the file's `PRAGMA user_version` counts those applied. Append
 * only: a released migration never changes, and a new column or table is a new entry.
 */
export const migrations: readonly string[] = [
  // 1: tokens, users and groups, audit log, rate-limit log.
  `
  CREATE TABLE tokens (
    id TEXT NOT NULL PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    created_by TEXT NOT NULL
  );
  CREATE INDEX tokens_by_owner ON tokens (owner, created_at);
  CREATE INDEX tokens_by_expiry ON tokens (expires_at) WHERE expires_at IS NOT NULL;

  CREATE TABLE users (
    username TEXT NOT NULL PRIMARY KEY,
    key TEXT NOT NULL,
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL,
    display_name TEXT NOT NULL,
    active INTEGER NOT NULL,
    time_zone TEXT NOT NULL,
    password_hash TEXT
  );
  CREATE INDEX users_by_email ON users (email_lower) WHERE email_lower <> '';

  CREATE TABLE user_groups (
    username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE ON UPDATE CASCADE,
    group_name TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (username, group_name)
  ) WITHOUT ROWID;
  CREATE INDEX user_groups_by_group ON user_groups (group_name);

  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    event TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT,
    username TEXT,
    owner TEXT,
    via TEXT,
    token_id TEXT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    client TEXT NOT NULL,
    degraded INTEGER
  );
  CREATE INDEX audit_log_by_time ON audit_log (time);
  CREATE INDEX audit_log_by_user ON audit_log (username, time);
  CREATE INDEX audit_log_by_outcome ON audit_log (outcome, time);

  CREATE TABLE rate_limit_log (
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (key, seq)
  ) WITHOUT ROWID;
  `,
  // 2: the outcome index leaves out success, most of the log: one index fewer to update
  // per allowed request. A query for success walks the time index instead, where it is
  // most of what it meets; a query for another outcome says "outcome <> 'success'" too,
  // so SQLite may use this index.
  `
  DROP INDEX audit_log_by_outcome;
  CREATE INDEX audit_log_by_outcome ON audit_log (outcome, time) WHERE outcome <> 'success';
  `,
  // 3: the login throttle of `loginThrottle: 'shared'` (the default), one row per fact, so
  // every check is a short range of one key's index. A failure is a row until it leaves
  // the window or a lock or the username's success forgets it. An attempt in progress is
  // a row from `begin`, before its password is checked, until it is settled or its lease
  // ends: by `lease_end`, a process that died mid-attempt frees its place without anyone
  // settling it. Attempt ids tell apart attempts of one millisecond. A lock is a row that
  // callers only compare with their clocks; the sweep deletes it long after it ended.
  `
  CREATE TABLE login_failures (
    key TEXT NOT NULL,
    attempt TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (key, attempt)
  ) WITHOUT ROWID;
  CREATE INDEX login_failures_by_time ON login_failures (key, at);

  CREATE TABLE login_attempts (
    key TEXT NOT NULL,
    attempt TEXT NOT NULL,
    lease_end INTEGER NOT NULL,
    PRIMARY KEY (key, attempt)
  ) WITHOUT ROWID;
  CREATE INDEX login_attempts_by_lease ON login_attempts (key, lease_end);

  CREATE TABLE login_locks (
    key TEXT NOT NULL PRIMARY KEY,
    until INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
]

/** The schema version this code writes. */
export const schemaVersion = migrations.length

/**
 * Brings the file's schema up to date in one `BEGIN IMMEDIATE` transaction: all pending
 * migrations or none, and a second process opening the same new file waits instead of
 * migrating twice. Refuses a file from a newer schema or another application. It always
 * rewrites `user_version`, so a read-only file fails here, at open, not at the first
 * token someone creates.
 *
 * @throws {SqliteStoreError} `ERR_PORTCULLIS_SQLITE_NEWER_SCHEMA`, `ERR_PORTCULLIS_SQLITE_NOT_PORTCULLIS`.
 */
export function migrate(db: SqliteConnection, path: string, list: readonly string[] = migrations): void {
  const readVersion = db.prepare('PRAGMA user_version')
  const readApplication = db.prepare('PRAGMA application_id')
  const countTables = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'")
  transactions(db)(() => {
    const version = Number(readVersion.get()!.user_version)
    const application = Number(readApplication.get()!.application_id)
    const empty = Number(countTables.get()!.n) === 0
    if (application !== applicationId && !(application === 0 && version === 0 && empty)) {
      throw new SqliteStoreError(
        'ERR_PORTCULLIS_SQLITE_NOT_PORTCULLIS',
        path,
        `${path} is a SQLite database of another application (application_id ${application}, schema version ${version}), not a Portcullis store; it was left untouched. Give Portcullis a file of its own.`,
      )
    }
    if (version > list.length) {
      throw new SqliteStoreError(
        'ERR_PORTCULLIS_SQLITE_NEWER_SCHEMA',
        path,
        `${path} was written by a newer Portcullis: its schema version is ${version}, this version reads up to ${list.length}. Upgrade Portcullis to open it; the file was left untouched.`,
      )
    }
    for (const sql of list.slice(version)) db.exec(sql)
    // PRAGMA takes no parameters; both values are integers from this module.
    db.prepare(`PRAGMA application_id = ${applicationId}`).run()
    db.prepare(`PRAGMA user_version = ${list.length}`).run()
  })
}
