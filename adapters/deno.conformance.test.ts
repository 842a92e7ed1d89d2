import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runScenario, scenarios, type StartServer } from '../conformance/index.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

/**
 * One deno process for the whole file (adapters/deno.conformance-server.ts); each scenario
 * asks it for a fresh server over stdin and gets the URL back on stdout.
 */
let deno: ChildProcessWithoutNullStreams
let stderr = ''
let gone: Error | undefined
const waiting = new Map<number, { resolve(answer: Record<string, unknown>): void; reject(error: Error): void }>()
let nextId = 1

function ask(command: Record<string, unknown>): Promise<Record<string, unknown>> {
  const id = nextId++
  return new Promise((resolve, reject) => {
    if (gone) return reject(gone)
    waiting.set(id, { resolve: (answer) => (answer.error ? reject(new Error(String(answer.error))) : resolve(answer)), reject })
    deno.stdin.write(`${JSON.stringify({ id, ...command })}\n`)
  })
}

beforeAll(() => {
  deno = spawn(
    `${root}node_modules/.bin/deno`,
    ['run', '--no-check', '--quiet', '--config', 'deno.json', '--allow-net=127.0.0.1', 'adapters/deno.conformance-server.ts'],
    { cwd: root, stdio: 'pipe' },
  )
  deno.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const end = (error: Error) => {
    gone = error
    for (const { reject } of waiting.values()) reject(error)
    waiting.clear()
  }
  deno.on('error', end)
  deno.on('exit', (code) => end(new Error(`deno exited (${code}): ${stderr}`)))
  createInterface({ input: deno.stdout }).on('line', (line) => {
    const answer = JSON.parse(line) as Record<string, unknown>
    waiting.get(answer.id as number)?.resolve(answer)
    waiting.delete(answer.id as number)
  })
})

afterAll(async () => {
  deno.stdin.end()
  if (!gone) await new Promise((resolve) => deno.once('exit', resolve))
})

/** The Deno adapter's factory: the server runs in the deno process. */
const startDeno: StartServer = async (setup) => {
  const { server, url } = await ask({ start: setup })
  return { url: url as string, close: async () => void (await ask({ stop: server })) }
}

describe('conformance: deno adapter (deno binary)', () => {
  for (const scenario of scenarios) {
    it(`${scenario.id}: ${scenario.title}`, async () => {
      const result = await runScenario(startDeno, scenario)
      expect(result.problems).toEqual([])
    })
  }
})
