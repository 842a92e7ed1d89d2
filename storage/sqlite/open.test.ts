import { spawnSync } from 'node:child_process'
import { chmodSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { betterSqlite3 } from './better-sqlite3.ts'
import { tempDir } from './driver-suite.ts'
import { openSqliteStores } from './stores.ts'

const storesModule = new URL('./stores.ts', import.meta.url).pathname
const driverModule = new URL('./better-sqlite3.ts', import.meta.url).pathname

/**
 * Opens `path` in a process without write access to it: this one when it is not root,
 * else a child running as `nobody` (root writes through any file mode).
 */
function openWithoutWriteAccess(path: string): { code?: string; message: string } {
  const attempt = `
    import { openSqliteStores } from ${JSON.stringify(storesModule)}
    import { betterSqlite3 } from ${JSON.stringify(driverModule)}
    try {
      openSqliteStores({ path: ${JSON.stringify(path)}, driver: betterSqlite3 }).close()
      console.log(JSON.stringify({ message: 'opened' }))
    } catch (error) {
      console.log(JSON.stringify({ code: error.code, message: error.message }))
    }`
  if (process.getuid?.() !== 0) {
    try {
      openSqliteStores({ path, driver: betterSqlite3 }).close()
      return { message: 'opened' }
    } catch (error) {
      return error as { code?: string; message: string }
    }
  }
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', attempt], {
    uid: 65534,
    gid: 65534,
    encoding: 'utf8',
    env: { ...process.env, HOME: '/tmp' },
  })
  if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`)
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!)
}

describe('opening a store without write access', () => {
  let dir: string
  let path: string

  beforeEach(() => {
    dir = tempDir()
    path = join(dir, 'store.sqlite')
    openSqliteStores({ path, driver: betterSqlite3 }).close()
  })
  afterEach(() => {
    chmodSync(dir, 0o700)
    rmSync(dir, { recursive: true, force: true })
  })

  it('refuses a read-only file in a read-only directory, naming the file', () => {
    const before = statSync(path).mtimeMs
    chmodSync(path, 0o444)
    chmodSync(dir, 0o555)
    const error = openWithoutWriteAccess(path)
    expect(error.code).toBe('ERR_PORTCULLIS_SQLITE_READ_ONLY')
    expect(error.message).toContain(`${path} cannot be written`)
    expect(error.message).toContain('write access to the file and to its directory')
    expect(statSync(path).mtimeMs).toBe(before)
  })

  it('refuses a writable file in a read-only directory (no room for the -wal and -shm files)', () => {
    chmodSync(path, 0o666)
    chmodSync(dir, 0o555)
    expect(openWithoutWriteAccess(path).code).toBe('ERR_PORTCULLIS_SQLITE_READ_ONLY')
  })

  it('refuses a read-only file in a writable directory, before any write is attempted', () => {
    chmodSync(path, 0o444)
    chmodSync(dir, 0o777)
    expect(openWithoutWriteAccess(path).code).toBe('ERR_PORTCULLIS_SQLITE_READ_ONLY')
  })

  it('refuses a new file in a read-only directory', () => {
    chmodSync(dir, 0o555)
    const error = openWithoutWriteAccess(join(dir, 'new.sqlite'))
    expect(error.code).toBe('ERR_PORTCULLIS_SQLITE_CANNOT_OPEN')
    expect(error.message).toContain(`cannot open ${join(dir, 'new.sqlite')}`)
  })
})
