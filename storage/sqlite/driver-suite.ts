/**
 * The SQLite store's tests for one driver: the shared store contract on a fresh file per
 * test, then what only a file store has (reopening, schema versions, bad files, several
 * connections). Runs under vitest with better-sqlite3 (`contract.test.ts`) and under
 * `deno test` with node:sqlite (`contract.deno.test.ts`), so it uses only what the Deno
 * shim of vitest offers.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LoginThrottle } from '../../core/policy/login-throttle.ts'
import { hashToken } from '../../core/tokens/format.ts'
import { storeContract } from '../contract.ts'
import type { AuditRecord, TokenRecord } from '../types.ts'
import { checkpointThread } from './checkpoint-thread.ts'
import type { SqliteDriver } from './driver.ts'
import { SqliteStoreError } from './errors.ts'
import { applicationId, migrate, migrations, schemaVersion } from './schema/migrations.ts'
import { auditQuerySql, batchSize, defaultCommitDelayMs } from './audit.ts'
import { SqliteLoginThrottleStore } from './login-throttle.ts'
import { openSqliteStores, type SqliteStores, type SqliteStoresOptions } from './stores.ts'

/** A fresh directory under the system's temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'portcullis-sqlite-'))
}

const token = (id: string, owner = 'alice'): TokenRecord => ({
  id,
  hash: hashToken(`token of ${id}`),
  owner,
  name: `token ${id}`,
  createdAt: 1_000,
  expiresAt: null,
  createdBy: owner,
})

const fingerprint = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

/** Registers the store contract and the file tests for one driver. */
export function sqliteSuite(name: string, driver: SqliteDriver): void {
  // Rate limit and login throttle both in the process, then both in the file.
  for (const mode of ['local', 'shared'] as const) {
    storeContract(`sqlite (${name}, rate limit and login throttle ${mode})`, async () => {
      const dir = tempDir()
      const stores = openSqliteStores({ path: join(dir, 'store.sqlite'), driver, passwordIterations: 1000, rateLimit: mode, loginThrottle: mode })
      return {
        stores,
        close: async () => {
          stores.close()
          rmSync(dir, { recursive: true, force: true })
        },
      }
    })
  }

  describe(`sqlite store file (${name})`, () => {
    let dir: string
    let path: string
    const open: SqliteStores[] = []
    const openStores = (at = path, options: Partial<SqliteStoresOptions> = {}) => {
      const stores = openSqliteStores({ path: at, driver, passwordIterations: 1000, ...options })
      open.push(stores)
      return stores
    }
    const failure = (at = path): SqliteStoreError => {
      try {
        openStores(at)
      } catch (error) {
        expect(error).toBeInstanceOf(SqliteStoreError)
        return error as SqliteStoreError
      }
      throw new Error(`opening ${at} did not fail`)
    }
    const raw = (body: (db: ReturnType<SqliteDriver>) => void) => {
      const db = driver(path)
      try {
        body(db)
      } finally {
        db.close()
      }
    }

    beforeEach(() => {
      dir = tempDir()
      path = join(dir, 'store.sqlite')
    })
    afterEach(() => {
      for (const stores of open.splice(0)) stores.close()
      rmSync(dir, { recursive: true, force: true })
    })

    it('creates a WAL file at the current schema version, marked as a Portcullis store', () => {
      openStores().close()
      open.length = 0
      raw((db) => {
        expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: schemaVersion })
        expect(db.prepare('PRAGMA application_id').get()).toEqual({ application_id: applicationId })
        expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' })
      })
    })

    it('keeps tokens, users, audit and shared rate-limit counts across a reopen', async () => {
      const first = openStores(path, { rateLimit: 'shared' })
      first.tokens.insert(token('t1'), 10)
      await first.users.add({ username: 'alice', email: 'Alice@Example.com', password: 'pw', groups: ['b', 'a'] })
      first.audit.append({ time: 5, event: 'authenticate', outcome: 'success', reason: 'api-token', method: 'GET', path: '/rest/x', client: '::1' })
      first.rateLimit.consume('k', 2, 60_000, 1_000)
      first.close()
      open.length = 0
      const again = openStores(path, { rateLimit: 'shared' })
      expect(again.tokens.findById('t1')).toEqual(token('t1'))
      expect(again.users.find('alice@example.com')).toMatchObject({ username: 'alice', groups: ['b', 'a'] })
      expect(await again.users.verifyPassword('alice', 'pw')).toBe(true)
      expect(again.audit.query().map((r) => r.time)).toEqual([5])
      expect(again.rateLimit.consume('k', 2, 60_000, 2_000)).toEqual({ allowed: true, remaining: 0, resetMs: 59_000 })
      expect(again.rateLimit.consume('k', 2, 60_000, 3_000).allowed).toBe(false)
    })

    it('shares one file between connections: shared limits hold across them', () => {
      const a = openStores(path, { rateLimit: 'shared' })
      const b = openStores(path, { rateLimit: 'shared' })
      let allowed = 0
      for (let i = 0; i < 20; i++) if ((i % 2 ? a : b).rateLimit.consume('k', 7, 60_000, 1_000 + i).allowed) allowed++
      expect(allowed).toBe(7)
      expect(a.tokens.insert(token('t1'), 2)).toBe('inserted')
      expect(b.tokens.insert(token('t2'), 2)).toBe('inserted')
      expect(a.tokens.insert(token('t3'), 2)).toBe('limit-reached')
      expect(b.tokens.findById('t1')).toEqual(token('t1'))
    })

    it('counts rate limits per process by default (local), exactly within it', () => {
      const a = openStores()
      const b = openStores()
      const allowed = (stores: SqliteStores) => Array.from({ length: 10 }, (_, i) => stores.rateLimit.consume('k', 7, 60_000, 1_000 + i).allowed).filter(Boolean).length
      expect(allowed(a)).toBe(7)
      expect(allowed(b)).toBe(7)
      raw((db) => expect(db.prepare('SELECT count(*) AS n FROM rate_limit_log').get()).toEqual({ n: 0 }))
    })

    it('refuses a rate-limit mode it does not know', () => {
      expect(() => openStores(path, { rateLimit: 'global' as 'local' })).toThrow('rateLimit: expected "local" or "shared"')
    })

    it('keeps login attempts in the file by default, in the process with loginThrottle local', () => {
      expect(openStores().loginThrottle).toBeInstanceOf(SqliteLoginThrottleStore)
      expect(openStores(path, { loginThrottle: 'local' }).loginThrottle).toBeInstanceOf(LoginThrottle)
    })

    it('refuses a login-throttle mode it does not know', () => {
      expect(() => openStores(path, { loginThrottle: 'global' as 'local' })).toThrow('loginThrottle: expected "local" or "shared"')
    })

    describe('audit group commit', () => {
      const record = (time: number): AuditRecord => ({ time, event: 'authenticate', outcome: 'success', reason: 'api-token', method: 'GET', path: '/rest/x', client: '::1' })
      const onDisk = () => {
        let n = 0
        raw((db) => (n = Number(db.prepare('SELECT count(*) AS n FROM audit_log').get()!.n)))
        return n
      }
      const turn = () => new Promise((resolve) => setImmediate(resolve))

      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

      it('writes the records of a window together when it ends, across turns', async () => {
        // A window long enough that two turns fit in it on a loaded machine.
        const stores = openStores(path, { audit: { commitDelayMs: 100 } })
        for (let i = 0; i < 50; i++) stores.audit.append(record(i))
        await turn()
        stores.audit.append(record(50))
        await turn()
        expect(onDisk()).toBe(0)
        await sleep(200)
        expect(onDisk()).toBe(51)
      })

      it(`writes at the end of a ${defaultCommitDelayMs} ms window by default`, async () => {
        const stores = openStores()
        stores.audit.append(record(1))
        expect(onDisk()).toBe(0)
        await sleep(defaultCommitDelayMs + 50)
        expect(onDisk()).toBe(1)
      })

      it('with commitDelayMs 0, writes the records of one turn together when the turn ends', async () => {
        const stores = openStores(path, { audit: { commitDelayMs: 0 } })
        for (let i = 0; i < 50; i++) stores.audit.append(record(i))
        expect(onDisk()).toBe(0)
        await turn()
        expect(onDisk()).toBe(50)
        stores.audit.append(record(50))
        await turn()
        expect(onDisk()).toBe(51)
      })

      it('refuses a commit delay that is not a number of milliseconds from 0 to 100, naming it', () => {
        for (const commitDelayMs of [-1, Number.NaN, Infinity, 101]) {
          expect(() => openStores(path, { audit: { commitDelayMs } })).toThrow(`audit.commitDelayMs: expected a number of milliseconds from 0 to 100, got ${commitDelayMs}`)
        }
      })

      it('writes a full batch at once for a caller that never lets the turn end', () => {
        const stores = openStores()
        for (let i = 0; i < batchSize * 2 + 1; i++) stores.audit.append(record(i))
        expect(onDisk()).toBe(batchSize * 2)
      })

      it('writes batches of every size exactly, newest first, ties in arrival order', () => {
        const stores = openStores()
        const written: AuditRecord[] = []
        // Sizes around the multi-row statements' (powers of two up to 64) and the batch's bounds.
        for (const size of [1, 2, 3, 7, 63, 64, 65, 129, 200, batchSize - 1, batchSize]) {
          for (let i = 0; i < size; i++) {
            const n = written.length
            const entry: AuditRecord = {
              // Three records per instant: the order among equal times is the order of arrival.
              time: Math.floor(n / 3),
              event: 'authenticate',
              outcome: n % 5 ? 'success' : 'forbidden',
              reason: `reason ${n}`,
              method: 'GET',
              path: `/rest/${n}`,
              client: '::1',
              ...(n % 2 && { user: `user${n % 7}`, tokenId: `t${n}` }),
              ...(n % 11 === 0 && { detail: `detail ${n}`, degraded: true as const }),
            }
            written.push(entry)
            stores.audit.append(entry)
          }
          stores.audit.flush()
          expect(onDisk()).toBe(written.length)
        }
        expect(stores.audit.query()).toEqual([...written].reverse())
        expect(stores.audit.query({ outcome: 'forbidden' })).toEqual(written.filter((r) => r.outcome === 'forbidden').reverse())
        expect(stores.audit.query({ outcome: 'success', user: 'user3', limit: 5 })).toEqual(
          written.filter((r) => r.outcome === 'success' && r.user === 'user3').reverse().slice(0, 5),
        )
      })

      it('writes pending records before a query, a prune and on close', () => {
        const stores = openStores()
        stores.audit.append(record(1))
        expect(stores.audit.query().map((r) => r.time)).toEqual([1])
        stores.audit.append(record(2))
        expect(stores.audit.prune({ keep: 1 })).toBe(1)
        expect(stores.audit.query().map((r) => r.time)).toEqual([2])
        stores.audit.append(record(3))
        stores.close()
        open.length = 0
        expect(onDisk()).toBe(2)
      })

      it('keeps a batch the file refuses, fails closed until a write succeeds, and survives a throwing onError', async () => {
        const errors: unknown[] = []
        const stores = openStores()
        const locked = openStores(path, {
          busyTimeoutMs: 0,
          audit: {
            commitDelayMs: 0,
            onError: (error) => {
              errors.push(error)
              throw new Error('a broken error reporter')
            },
          },
        })
        // Another connection holds the write lock: the batch cannot commit.
        const blocker = driver(path)
        blocker.exec('BEGIN IMMEDIATE')
        locked.audit.append(record(1))
        locked.audit.append(record(2))
        await turn()
        expect(errors).toHaveLength(1)
        expect(() => locked.audit.append(record(3))).toThrow(/refused the last write/)
        expect(locked.audit.query()).toEqual([])
        blocker.exec('COMMIT')
        blocker.close()
        locked.audit.flush()
        expect(stores.audit.query().map((r) => r.time)).toEqual([2, 1])
        expect(() => locked.audit.append(record(4))).not.toThrow()
      })

      it('under the default window: a refused write fails closed, retries once a second, and an outside flush restores the window', async () => {
        const errors: unknown[] = []
        const stores = openStores(path, { busyTimeoutMs: 0, audit: { onError: (error) => errors.push(error) } })
        const blocker = driver(path)
        blocker.exec('BEGIN IMMEDIATE')
        stores.audit.append(record(1))
        await sleep(defaultCommitDelayMs + 50)
        expect(errors).toHaveLength(1)
        expect(() => stores.audit.append(record(2))).toThrow(/refused the last write/)
        await sleep(200)
        // The retry waits its second: no second refusal within the window's pace.
        expect(errors).toHaveLength(1)
        blocker.exec('COMMIT')
        blocker.close()
        expect(stores.audit.prune({ keep: 10 })).toBe(0)
        expect(onDisk()).toBe(1)
        stores.audit.append(record(3))
        await sleep(defaultCommitDelayMs + 50)
        expect(onDisk()).toBe(2)
      })

      it('a full batch refused inside a window retries after a second, not when the window ends', async () => {
        const errors: unknown[] = []
        const stores = openStores(path, { busyTimeoutMs: 0, audit: { onError: (error) => errors.push(error) } })
        const blocker = driver(path)
        blocker.exec('BEGIN IMMEDIATE')
        for (let i = 0; i < batchSize; i++) stores.audit.append(record(i))
        expect(errors).toHaveLength(1)
        await sleep(defaultCommitDelayMs + 100)
        expect(errors).toHaveLength(1)
        blocker.exec('COMMIT')
        blocker.close()
      })

      it('stops writing at close, refuses appends after it, and says how many records a refused close lost', async () => {
        const stores = openStores(path, { busyTimeoutMs: 0 })
        stores.audit.append(record(1))
        const blocker = driver(path)
        blocker.exec('BEGIN IMMEDIATE')
        expect(() => stores.close()).toThrow('audit: 1 records could not be written before close')
        open.length = 0
        blocker.exec('COMMIT')
        blocker.close()
        expect(() => stores.audit.append(record(2))).toThrow('audit: the store is closed')
        await turn()
        expect(onDisk()).toBe(0)
      })
    })

    describe('WAL checkpoints', () => {
      const fileSize = (at: string) => (existsSync(at) ? statSync(at).size : 0)
      const until = async (what: string, done: () => boolean) => {
        for (const start = Date.now(); !done(); await new Promise((resolve) => setTimeout(resolve, 20))) {
          if (Date.now() - start > 5000) throw new Error(`waited 5 s for ${what}`)
        }
      }
      /** Appends `n` records over turns of 256, as a busy server would. */
      const write = async (stores: SqliteStores, n: number) => {
        for (let i = 0; i < n; i++) {
          stores.audit.append({ time: i, event: 'authenticate', outcome: 'success', reason: 'api-token', method: 'GET', path: `/rest/api/2/issue/${i}`, client: '::1', user: 'alice' })
          if (i % 256 === 255) await new Promise((resolve) => setImmediate(resolve))
        }
        stores.audit.flush()
      }
      // 6,000 records fill a few hundred pages: under the 1,000 of SQLite's own checkpoint.
      const records = 6000

      it('copies commits into the file from a thread of its own, before the WAL reaches 1,000 pages', async () => {
        const inline = openStores(join(dir, 'inline.sqlite'), { checkpoints: 'inline' })
        await write(inline, records)
        expect(fileSize(join(dir, 'inline.sqlite'))).toBeLessThan(64 * 1024)
        const stores = openStores()
        await write(stores, records)
        await until('a checkpoint into the file', () => fileSize(path) > 256 * 1024)
        expect(fileSize(`${path}-wal`)).toBeLessThan(1000 * 4096)
      })

      it('closes the thread with the stores, before returning: the last connection gone, SQLite folds the WAL into the file', async () => {
        const stores = openStores()
        await write(stores, records)
        await until('the thread to checkpoint', () => fileSize(path) > 256 * 1024)
        await write(stores, 100)
        stores.close()
        open.length = 0
        expect(existsSync(`${path}-wal`)).toBe(false)
        raw((db) => expect(Number(db.prepare('SELECT count(*) AS n FROM audit_log').get()!.n)).toBe(records + 100))
      })

      it('hands checkpoints back to SQLite when the thread stops, and says why', async () => {
        const errors: unknown[] = []
        const failing: SqliteDriver = Object.assign((at: string) => driver(at), { checkpointer: checkpointThread(() => "throw new Error('no file for this thread')") })
        const stores = openSqliteStores({ path, driver: failing, passwordIterations: 1000, onCheckpointError: (error) => errors.push(error) })
        open.push(stores)
        await until('the thread to stop', () => errors.length > 0)
        expect(String(errors[0])).toContain(`WAL checkpoints of ${path} stopped on their thread (no file for this thread)`)
        await write(stores, records * 3)
        expect(fileSize(path)).toBeGreaterThan(256 * 1024)
      })

      it('checkpoints inline when no thread can start, and says why', async () => {
        const errors: unknown[] = []
        const threadless: SqliteDriver = Object.assign((at: string) => driver(at), {
          checkpointer: () => {
            throw new Error('no worker threads here')
          },
        })
        const stores = openSqliteStores({ path, driver: threadless, passwordIterations: 1000, onCheckpointError: (error) => errors.push(error) })
        open.push(stores)
        expect(String(errors[0])).toContain('(no worker threads here); this thread checkpoints after commits instead')
        await write(stores, records * 3)
        expect(fileSize(path)).toBeGreaterThan(256 * 1024)
      })

      it('refuses a checkpoint mode it does not know', () => {
        expect(() => openStores(path, { checkpoints: 'never' as 'inline' })).toThrow('checkpoints: expected "background" or "inline"')
      })
    })

    it('refuses a file from a newer schema, naming both versions, and leaves it untouched', () => {
      openStores().close()
      open.length = 0
      raw((db) => db.exec(`PRAGMA user_version = ${schemaVersion + 1}`))
      const before = fingerprint(path)
      const error = failure()
      expect(error.code).toBe('ERR_PORTCULLIS_SQLITE_NEWER_SCHEMA')
      expect(error.message).toContain(path)
      expect(error.message).toContain(`schema version is ${schemaVersion + 1}, this version reads up to ${schemaVersion}`)
      expect(fingerprint(path)).toBe(before)
    })

    it('refuses a corrupt file (random bytes) and leaves it untouched', () => {
      writeFileSync(path, crypto.getRandomValues(new Uint8Array(8192)))
      const before = fingerprint(path)
      const error = failure()
      expect(error.code).toBe('ERR_PORTCULLIS_SQLITE_NOT_A_DATABASE')
      expect(error.message).toContain(`${path} is not a SQLite database or is corrupt`)
      expect(fingerprint(path)).toBe(before)
    })

    it('refuses a text file', () => {
      writeFileSync(path, 'portcullis: this is not a database\n'.repeat(20))
      expect(failure().code).toBe('ERR_PORTCULLIS_SQLITE_NOT_A_DATABASE')
    })

    it("refuses another application's database instead of adding tables to it", () => {
      raw((db) => db.exec('CREATE TABLE notes (body TEXT); PRAGMA application_id = 42; PRAGMA user_version = 3'))
      const error = failure()
      expect(error.code).toBe('ERR_PORTCULLIS_SQLITE_NOT_PORTCULLIS')
      expect(error.message).toContain('application_id 42, schema version 3')
      raw((db) => expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all().map((r) => r.name)).toEqual(['notes']))
    })

    it('cannot open a file in a missing directory, or under a path that is a file', () => {
      const missing = failure(join(dir, 'no', 'such', 'store.sqlite'))
      expect(missing.code).toBe('ERR_PORTCULLIS_SQLITE_CANNOT_OPEN')
      expect(missing.message).toContain(`cannot open ${join(dir, 'no', 'such', 'store.sqlite')}`)
      writeFileSync(join(dir, 'plain'), 'x')
      expect(failure(join(dir, 'plain', 'store.sqlite')).code).toBe('ERR_PORTCULLIS_SQLITE_CANNOT_OPEN')
    })

    describe('migrations', () => {
      const one = 'CREATE TABLE one (a INTEGER)'
      const two = 'CREATE TABLE two (b INTEGER); INSERT INTO one VALUES (2)'
      const tables = (db: ReturnType<SqliteDriver>) =>
        db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all().map((r) => r.name)

      it('applies the pending ones in order, once', () => {
        raw((db) => {
          migrate(db, path, [one])
          expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 1 })
          migrate(db, path, [one, two])
          migrate(db, path, [one, two])
          expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 2 })
          expect(tables(db)).toEqual(['one', 'two'])
          expect(db.prepare('SELECT count(*) AS n FROM one').get()).toEqual({ n: 1 })
        })
      })

      it('applies all pending ones or none: a failing one leaves the file at its old version', () => {
        raw((db) => {
          migrate(db, path, [one])
          expect(() => migrate(db, path, [one, two, 'CREATE TABLE three (c); SELECT * FROM nowhere'])).toThrow(/nowhere/)
          expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 1 })
          expect(tables(db)).toEqual(['one'])
        })
      })
    })

    it('answers every audit query from an index, in index order, with no sort', () => {
      openStores().close()
      open.length = 0
      const plan = (filter: Parameters<typeof auditQuerySql>[0]) => {
        const { sql, params } = auditQuerySql(filter)
        let steps: string[] = []
        raw((db) => (steps = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((row) => String(row.detail))))
        return steps
      }
      for (const outcome of [undefined, 'success', 'unauthorized'] as const) {
        for (const user of [undefined, 'alice']) {
          for (const from of [undefined, 1]) {
            for (const to of [undefined, 9]) {
              const steps = plan({ ...(outcome && { outcome }), ...(user && { user }), ...(from && { from }), ...(to && { to }) })
              expect(steps).toHaveLength(1)
              expect(steps[0]).toMatch(/^(SCAN|SEARCH) (TABLE )?audit_log USING INDEX audit_log_by_(time|user|outcome)\b/)
            }
          }
        }
      }
      // Success, most of the log, is not in the outcome index; every other outcome is found through it.
      expect(plan({ outcome: 'unauthorized' })[0]).toContain('audit_log_by_outcome')
      expect(plan({ outcome: 'success' })[0]).toContain('audit_log_by_time')
    })

    it('migrates a file of schema version 1, keeping its audit records and their order', () => {
      raw((db) => {
        migrate(db, path, migrations.slice(0, 1))
        const insert = db.prepare(
          'INSERT INTO audit_log (time, event, outcome, reason, detail, username, owner, via, token_id, method, path, client, degraded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        insert.run(10, 'authenticate', 'success', 'api-token', null, 'alice', null, 'api-token', 't1', 'GET', '/rest/a', '::1', null)
        insert.run(20, 'authenticate', 'unauthorized', 'api_token_invalid', 'unknown token', null, null, null, null, 'GET', '/rest/b', '::2', null)
        insert.run(20, 'token.create', 'success', 'password', null, 'admin', 'bob', 'password', 't2', 'POST', '/rest/auth/1/token', '::3', 1)
        insert.run(30, 'authenticate', 'rate-limited', 'rate_limited', null, 'alice', null, 'api-token', 't1', 'GET', '/rest/a', '::1', null)
      })
      const stores = openStores()
      const migrated = stores.audit.query()
      expect(migrated.map((r) => [r.time, r.outcome, r.event])).toEqual([
        [30, 'rate-limited', 'authenticate'],
        [20, 'success', 'token.create'],
        [20, 'unauthorized', 'authenticate'],
        [10, 'success', 'authenticate'],
      ])
      expect(migrated[1]).toEqual({
        time: 20,
        event: 'token.create',
        outcome: 'success',
        reason: 'password',
        user: 'admin',
        owner: 'bob',
        via: 'password',
        tokenId: 't2',
        method: 'POST',
        path: '/rest/auth/1/token',
        client: '::3',
        degraded: true,
      })
      expect(stores.audit.query({ outcome: 'unauthorized' }).map((r) => r.detail)).toEqual(['unknown token'])
      expect(stores.audit.query({ outcome: 'success' }).map((r) => r.time)).toEqual([20, 10])
      expect(stores.audit.query({ user: 'alice', outcome: 'rate-limited' }).map((r) => r.time)).toEqual([30])
      stores.audit.append({ time: 40, event: 'authenticate', outcome: 'forbidden', reason: 'ip_not_allowed', method: 'GET', path: '/rest/c', client: '::4' })
      expect(stores.audit.query({ outcome: 'forbidden' }).map((r) => r.time)).toEqual([40])
      raw((db) => {
        expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: schemaVersion })
        expect(String(db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'audit_log_by_outcome'").get()?.sql)).toContain("WHERE outcome <> 'success'")
      })
    })

    it('round-trips every audit field, leaving absent ones absent', () => {
      const stores = openStores()
      const full: AuditRecord = {
        time: 1_700_000_000_123,
        event: 'token.create',
        outcome: 'success',
        reason: 'api-token',
        detail: 'for "bob" ✓',
        user: 'admin',
        owner: 'bob',
        via: 'password',
        tokenId: 'tok1',
        method: 'POST',
        path: '/rest/auth/1/token',
        client: '2001:db8::1',
        degraded: true,
      }
      const bare: AuditRecord = { time: 1, event: 'authenticate', outcome: 'pass', reason: 'bypass', method: 'GET', path: '/status', client: '::1' }
      stores.audit.append(full)
      stores.audit.append(bare)
      const [newest, oldest] = stores.audit.query()
      expect(newest).toEqual(full)
      expect(oldest).toEqual(bare)
      expect(Object.keys(oldest!).sort()).toEqual(Object.keys(bare).sort())
      expect(Object.isFrozen(newest)).toBe(true)
    })

    it('keeps group order, replaces groups on update, and finds emails in any case', async () => {
      const stores = openStores()
      await stores.users.add({ username: 'élise', email: 'Élise@Example.com', groups: ['zeta', 'alpha', 'mid'] })
      expect(stores.users.find('élise@example.com')?.groups).toEqual(['zeta', 'alpha', 'mid'])
      expect(stores.users.update('élise', { groups: [] })?.groups).toEqual([])
      expect(stores.users.update('élise', { displayName: 'Élise' })).toMatchObject({ displayName: 'Élise', email: 'Élise@Example.com', active: true })
      expect(stores.users.find('')).toBeUndefined()
      await stores.users.add({ username: 'nopass' })
      expect(await stores.users.verifyPassword('nopass', '')).toBe(false)
    })

    it('forgets idle rate-limit keys every few thousand calls', () => {
      const stores = openStores(path, { rateLimit: 'shared' })
      for (let i = 0; i < 4095; i++) stores.rateLimit.consume(`token:${i}`, 5, 1_000, i % 100)
      const rows = () => {
        let n = 0
        raw((db) => (n = Number(db.prepare('SELECT count(*) AS n FROM rate_limit_log').get()!.n)))
        return n
      }
      expect(rows()).toBe(4095)
      stores.rateLimit.consume('token:busy', 5, 1_000, 10_000)
      expect(rows()).toBe(1)
      expect(stores.rateLimit.consume('token:7', 5, 1_000, 10_000)).toEqual({ allowed: true, remaining: 4, resetMs: 1_000 })
    })

    it('refuses by the request whose departure frees a slot, also under a lowered limit', () => {
      const stores = openStores(path, { rateLimit: 'shared' })
      for (const t of [10, 10, 10, 20, 30]) stores.rateLimit.consume('k', 5, 100, t)
      // Five counted (10, 10, 10, 20, 30): under a limit of 2 a slot frees when the one at 20 leaves.
      expect(stores.rateLimit.consume('k', 2, 100, 50)).toEqual({ allowed: false, remaining: 0, resetMs: 70 })
      expect(stores.rateLimit.consume('k', 5, 100, 50)).toEqual({ allowed: false, remaining: 0, resetMs: 60 })
      expect(stores.rateLimit.consume('k', 5, 100, 110)).toEqual({ allowed: true, remaining: 2, resetMs: 10 })
      expect(stores.rateLimit.consume('k', 5, 100, 130)).toEqual({ allowed: true, remaining: 3, resetMs: 80 })
    })

    it('spends a full password hash on an unknown user, so timing does not reveal who exists', async () => {
      const stores = openSqliteStores({ path, driver, passwordIterations: 100_000 })
      open.push(stores)
      await stores.users.add({ username: 'alice', password: 'pw' })
      const time = async (username: string) => {
        const begin = performance.now()
        await stores.users.verifyPassword(username, 'wrong')
        return performance.now() - begin
      }
      await time('nobody') // the dummy hash is made on first use
      // Interleaved, fastest of several: other tests running in parallel only ever slow one down.
      const known: number[] = []
      const unknown: number[] = []
      for (let i = 0; i < 5; i++) {
        known.push(await time('alice'))
        unknown.push(await time('nobody'))
      }
      expect(Math.min(...unknown)).toBeGreaterThan(Math.min(...known) * 0.5)
    })

    it('creates the file in an existing directory only', () => {
      mkdirSync(join(dir, 'sub'))
      expect(() => openStores(join(dir, 'sub', 'store.sqlite'))).not.toThrow()
    })
  })
}
