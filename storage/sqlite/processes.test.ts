import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { betterSqlite3 } from './better-sqlite3.ts'
import { tempDir } from './driver-suite.ts'
import { openSqliteStores } from './stores.ts'

const storesModule = new URL('./stores.ts', import.meta.url).pathname
const driverModule = new URL('./better-sqlite3.ts', import.meta.url).pathname
const processes = 4

/** Runs `body` (module code with `stores` in scope) in a child process; resolves to what it prints. */
function inChild(path: string, startAt: number, body: string): Promise<string> {
  const script = `
    import { openSqliteStores } from ${JSON.stringify(storesModule)}
    import { betterSqlite3 } from ${JSON.stringify(driverModule)}
    const stores = openSqliteStores({ path: ${JSON.stringify(path)}, driver: betterSqlite3, rateLimit: 'shared' })
    while (Date.now() < ${startAt}) await new Promise((resolve) => setTimeout(resolve, 1))
    ${body}
    stores.close()`
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.stderr.on('data', (chunk) => (err += chunk))
    child.on('error', reject)
    child.on('close', (status) => (status === 0 ? resolve(out.trim()) : reject(new Error(`child exited ${status}: ${err}`))))
  })
}

describe(`sqlite store shared by ${processes} processes`, () => {
  let dir: string
  let path: string

  beforeEach(() => {
    dir = tempDir()
    path = join(dir, 'store.sqlite')
    openSqliteStores({ path, driver: betterSqlite3 }).close()
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  // Each process walks the same keys in the same order, so they race for every key's
  // last slot at about the same moment: thousands of chances to break the limit.
  it('never lets more than the limit through together', async () => {
    const startAt = Date.now() + 2_000
    const body = `
      let allowed = 0
      for (let i = 0; i < 1000; i++) if (stores.rateLimit.consume('token:' + i, 1, 60_000, ${startAt}).allowed) allowed++
      console.log(allowed)`
    const counts = (await Promise.all(Array.from({ length: processes }, () => inChild(path, startAt, body)))).map(Number)
    expect(counts.reduce((a, b) => a + b)).toBe(1000)
  }, 30_000)

  it('never lets an owner exceed the token limit together', async () => {
    const startAt = Date.now() + 2_000
    const body = `
      let inserted = 0
      for (let i = 0; i < 500; i++) {
        const id = process.pid + '-' + i
        const record = { id, hash: id.padStart(64, '0'), owner: 'user' + i, name: id, createdAt: i, expiresAt: null, createdBy: 'admin' }
        if (stores.tokens.insert(record, 1) === 'inserted') inserted++
      }
      console.log(inserted)`
    const counts = (await Promise.all(Array.from({ length: processes }, () => inChild(path, startAt, body)))).map(Number)
    expect(counts.reduce((a, b) => a + b)).toBe(500)
    const stores = openSqliteStores({ path, driver: betterSqlite3 })
    for (const i of [0, 250, 499]) expect(stores.tokens.listByOwner(`user${i}`)).toHaveLength(1)
    stores.close()
  }, 30_000)
})
