import { LoginThrottle } from '../../core/policy/login-throttle.ts'
import type { HostTokenVerifier, Stores } from '../types.ts'
import { MemoryRateLimitStore } from '../memory/rate-limit.ts'
import { SqliteAuditStore, type SqliteAuditOptions } from './audit.ts'
import { checkpointInBackground } from './checkpointer.ts'
import type { SqliteDriver } from './driver.ts'
import { SqliteLoginThrottleStore } from './login-throttle.ts'
import { openDatabase, type OpenDatabaseOptions } from './open.ts'
import { SqliteRateLimitStore } from './rate-limit.ts'
import { SqliteTokenStore } from './tokens.ts'
import { transactions } from './transaction.ts'
import { SqliteUserStore } from './users.ts'

/** Options of {@link openSqliteStores}. */
export interface SqliteStoresOptions extends OpenDatabaseOptions {
  /** The database file, created when missing (with its directory's -wal and -shm files). */
  readonly path: string
  /** Opens the file: `betterSqlite3` on Node, `nodeSqlite` on Deno and Node 22.5+. */
  readonly driver: SqliteDriver
  /** PBKDF2 work factor of passwords added later. Default `defaultIterations` (600,000). */
  readonly passwordIterations?: number
  /** The host's personal access tokens (`hostTokens.enabled`). */
  readonly hostTokens?: HostTokenVerifier
  /** The host's native OAuth access tokens (`hostTokens.oauth`). */
  readonly hostOAuthTokens?: HostTokenVerifier
  /**
   * Where rate-limit counters live. `local` (the default): in this process, exact for it,
   * reset by a restart, as Kong's `local` policy; processes sharing the file each count
   * their own. `shared`: in the file, exact across every process that shares it, at the
   * cost of a write transaction per request (run several hosts on Redis instead).
   */
  readonly rateLimit?: 'local' | 'shared'
  /**
   * Where password attempts and login lockouts are counted. `shared` (the default): in
   * the file, so every process sharing it, and a restart, keep one count, and parallel
   * guesses spread over processes get `maxFailures` checks in all. It costs two write
   * transactions per password attempt only, not per request. `local`: in this process,
   * each process counting its own.
   */
  readonly loginThrottle?: 'local' | 'shared'
  /** The audit log's commit window (`commitDelayMs`) and how it reports a write the file refused. */
  readonly audit?: SqliteAuditOptions
  /**
   * Where WAL checkpoints run, copying committed pages into the file and syncing it to
   * disk. `background` (the default, for a driver with a `checkpointer`, as both bundled
   * drivers have): on a worker thread with its own connection, so the syncs (milliseconds
   * each) never stall requests. `inline`: SQLite's own, after a commit, on this thread.
   */
  readonly checkpoints?: 'background' | 'inline'
  /** Receives why background checkpoints stopped; they then run inline. Default `console.error`. */
  readonly onCheckpointError?: (error: unknown) => void
}

/** SQLite stores over one connection, typed concretely so hosts and demos can seed them. */
export interface SqliteStores extends Stores {
  readonly tokens: SqliteTokenStore
  readonly users: SqliteUserStore
  readonly audit: SqliteAuditStore
  readonly rateLimit: SqliteRateLimitStore | MemoryRateLimitStore
  readonly loginThrottle: SqliteLoginThrottleStore | LoginThrottle
  /** Writes pending audit records and closes the connection; the stores are unusable afterwards. */
  close(): void
}

/**
 * Opens (or creates) a SQLite store file and returns every store on it. The schema is
 * migrated forward on open; a file that cannot be used throws a `SqliteStoreError`.
 *
 * @example
 * ```ts
 * import { openSqliteStores } from 'portcullis/storage/sqlite'
 * import { betterSqlite3 } from 'portcullis/storage/sqlite/better-sqlite3'
 * const stores = openSqliteStores({ path: 'portcullis.sqlite', driver: betterSqlite3 })
 * const portcullis = createPortcullis({ config, stores })
 * ```
 * @throws {SqliteStoreError} when the file is newer, corrupt, read-only or cannot be opened.
 */
export function openSqliteStores(options: SqliteStoresOptions): SqliteStores {
  const sharing = options.rateLimit ?? 'local'
  if (sharing !== 'local' && sharing !== 'shared') throw new TypeError('rateLimit: expected "local" or "shared"')
  const throttling = options.loginThrottle ?? 'shared'
  if (throttling !== 'local' && throttling !== 'shared') throw new TypeError('loginThrottle: expected "local" or "shared"')
  const checkpoints = options.checkpoints ?? 'background'
  if (checkpoints !== 'background' && checkpoints !== 'inline') throw new TypeError('checkpoints: expected "background" or "inline"')
  const db = openDatabase(options.path, options.driver, options)
  try {
    const transaction = transactions(db)
    const iterations = options.passwordIterations
    const audit = new SqliteAuditStore(db, transaction, options.audit)
    const stores = {
      tokens: new SqliteTokenStore(db, transaction),
      users: new SqliteUserStore(db, transaction, iterations === undefined ? {} : { iterations }),
      rateLimit: sharing === 'shared' ? new SqliteRateLimitStore(db, transaction) : new MemoryRateLimitStore(),
      loginThrottle: throttling === 'shared' ? new SqliteLoginThrottleStore(db, transaction) : new LoginThrottle(),
    }
    // Last: nothing after it may throw and leave the thread running.
    const onCheckpointError = options.onCheckpointError ?? ((error: unknown) => console.error('portcullis:', error))
    const checkpointer = checkpoints === 'background' ? checkpointInBackground(db, options.path, options.driver, onCheckpointError) : undefined
    return {
      ...stores,
      audit,
      ...(options.hostTokens && { hostTokens: options.hostTokens }),
      ...(options.hostOAuthTokens && { hostOAuthTokens: options.hostOAuthTokens }),
      // A query per read costs about ten cache hits: let the engine cache tokens and users.
      cacheReads: true,
      close: () => {
        try {
          audit.close()
        } finally {
          checkpointer?.close()
          db.close()
        }
      },
    }
  } catch (error) {
    db.close()
    throw error
  }
}
