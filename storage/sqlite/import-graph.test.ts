import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const deno = fileURLToPath(new URL('../../node_modules/.bin/deno', import.meta.url))

/** Every module `entry` loads, as Deno resolves them, relative to the repository. */
function graph(entry: string): string[] {
  const info = JSON.parse(execFileSync(deno, ['info', '--config', 'deno.json', '--json', entry], { cwd: root, encoding: 'utf8' })) as {
    modules: { specifier: string }[]
  }
  return info.modules.map((m) => m.specifier.replace(`file://${root}`, '')).filter((s) => !s.endsWith('.d.ts'))
}

// Each runtime loads its own driver only: better-sqlite3 is a native Node addon that
// Deno cannot load, and node:sqlite does not exist on Node 20.
describe('sqlite import graph', () => {
  it('keeps the stores free of drivers and of node: built-ins', () => {
    const modules = graph('storage/sqlite/index.ts')
    expect(modules.filter((m) => m.startsWith('node:') || m.includes('better-sqlite3'))).toEqual([])
  })

  it('gives the Deno driver and its test node:sqlite, never better-sqlite3', () => {
    expect(graph('storage/sqlite/node-sqlite.ts').filter((m) => m.startsWith('node:'))).toEqual(['node:path', 'node:sqlite', 'node:worker_threads'])
    expect(graph('storage/sqlite/contract.deno.test.ts').filter((m) => m.includes('better-sqlite3'))).toEqual([])
  })

  it('gives the Node driver better-sqlite3, never node:sqlite', () => {
    const modules = graph('storage/sqlite/better-sqlite3.ts')
    expect(modules.some((m) => m.includes('better-sqlite3/'))).toBe(true)
    expect(modules).not.toContain('node:sqlite')
  })
}, 60_000)
