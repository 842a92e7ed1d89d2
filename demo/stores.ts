import { resolve } from 'node:path'
import type { Stores } from '../core/index.ts'
import { memoryStores } from '../storage/memory/index.ts'
import { betterSqlite3 } from '../storage/sqlite/better-sqlite3.ts'
import { openSqliteStores } from '../storage/sqlite/index.ts'
import type { UserStore } from '../storage/types.ts'
import { demoUsers } from './app.ts'

/** The demo's stores, what they are, and how to release them. */
export interface DemoStores {
  readonly kind: 'sqlite' | 'memory'
  readonly stores: Stores & { readonly users: UserStore }
  /** For the banner: "SQLite file /path/portcullis-demo.sqlite" or "memory (lost on exit)". */
  readonly description: string
  close(): void
}

/**
 * Opens the demo's stores: a SQLite file by default (`PORTCULLIS_SQLITE`, else
 * `./portcullis-demo.sqlite`), in memory when `PORTCULLIS_STORE=memory`. Adds each demo
 * user that is missing and leaves the others as they are, so tokens and changes survive
 * a restart.
 */
export async function openDemoStores(env: Record<string, string | undefined> = process.env): Promise<DemoStores> {
  const kind = env.PORTCULLIS_STORE ?? 'sqlite'
  let demo: DemoStores
  if (kind === 'memory') {
    demo = { kind, stores: memoryStores(), description: 'memory (lost on exit)', close: () => {} }
  } else if (kind === 'sqlite') {
    const path = resolve(env.PORTCULLIS_SQLITE ?? 'portcullis-demo.sqlite')
    const stores = openSqliteStores({ path, driver: betterSqlite3 })
    demo = { kind, stores, description: `SQLite file ${path}`, close: () => stores.close() }
  } else {
    throw new Error(`PORTCULLIS_STORE: expected "sqlite" or "memory", got "${kind}"`)
  }
  try {
    for (const user of demoUsers) if (!(await demo.stores.users.find(user.username))) await demo.stores.users.add(user)
  } catch (error) {
    demo.close()
    throw error
  }
  return demo
}
