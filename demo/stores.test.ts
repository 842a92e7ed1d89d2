import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../storage/sqlite/driver-suite.ts'
import { openDemoStores } from './stores.ts'

describe('openDemoStores', () => {
  let dir: string
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('uses a SQLite file by default, seeding the demo users once and keeping changes', async () => {
    const path = join(dir, 'demo.sqlite')
    const first = await openDemoStores({ PORTCULLIS_SQLITE: path })
    expect(first.description).toBe(`SQLite file ${path}`)
    expect(existsSync(path)).toBe(true)
    expect(await first.stores.users.verifyPassword('alice', 'alice')).toBe(true)
    await first.stores.users.update('alice', { groups: ['changed'] })
    first.close()
    const again = await openDemoStores({ PORTCULLIS_SQLITE: path })
    expect((await again.stores.users.find('alice'))?.groups).toEqual(['changed'])
    expect((await again.stores.users.find('admin'))?.key).toBe('JIRAUSER10000')
    again.close()
  })

  it('keeps everything in memory when PORTCULLIS_STORE=memory', async () => {
    const demo = await openDemoStores({ PORTCULLIS_STORE: 'memory', PORTCULLIS_SQLITE: join(dir, 'unused.sqlite') })
    expect(demo.description).toBe('memory (lost on exit)')
    expect(await demo.stores.users.find('reader')).toMatchObject({ groups: ['readers', 'users'] })
    expect(existsSync(join(dir, 'unused.sqlite'))).toBe(false)
  })

  it('refuses an unknown store', async () => {
    await expect(openDemoStores({ PORTCULLIS_STORE: 'redis-ish' })).rejects.toThrow('PORTCULLIS_STORE: expected "sqlite" or "memory", got "redis-ish"')
  })
})
