/**
 * The slice of vitest's API the unit tests use (`describe`, `it`, `beforeEach`, `afterEach`, `expect`),
 * on Deno's own test runner, so `core/**\/*.test.ts` run unchanged under `deno test`:
 * `deno.json` maps the bare specifier "vitest" to this file. Assertions are Jest's
 * `expect`, whose matchers vitest's mirror.
 *
 * Semantics kept from vitest: test names are the suite names and the test name joined
 * with " > "; a `beforeEach` applies to every test of its `describe` and of the suites
 * nested in it (wherever in the suite it was declared), outer hooks first.
 */
import { expect } from 'expect'

declare const Deno: {
  test(definition: { name: string; fn: () => Promise<void> }): void
}

type Hook = () => unknown
interface Suite {
  readonly name: string
  readonly hooks: Hook[]
  readonly afterHooks: Hook[]
}

const open: Suite[] = []

/** Groups tests; `body` runs at once, as in vitest, and must declare tests synchronously. */
export function describe(name: string, body: () => void): void {
  open.push({ name, hooks: [], afterHooks: [] })
  try {
    const result: unknown = body()
    if (result instanceof Promise) throw new TypeError(`describe("${name}"): the body must be synchronous`)
  } finally {
    open.pop()
  }
}

/** Runs `hook` before every test of the enclosing `describe`. */
export function beforeEach(hook: Hook): void {
  const suite = open.at(-1)
  if (!suite) throw new TypeError('beforeEach: call it inside describe() (the Deno shim has no file-level hooks)')
  suite.hooks.push(hook)
}

/** Runs `hook` after every test of the enclosing `describe`, even a failed one; inner hooks first. */
export function afterEach(hook: Hook): void {
  const suite = open.at(-1)
  if (!suite) throw new TypeError('afterEach: call it inside describe() (the Deno shim has no file-level hooks)')
  suite.afterHooks.push(hook)
}

/** Declares a test. A third argument (vitest's timeout) is accepted and ignored. */
export function it(name: string, body: () => unknown, _timeout?: number): void {
  const suites = [...open]
  Deno.test({
    name: [...suites.map((s) => s.name), name].join(' > '),
    async fn() {
      try {
        for (const suite of suites) for (const hook of suite.hooks) await hook()
        await body()
      } finally {
        for (const suite of [...suites].reverse()) for (const hook of suite.afterHooks) await hook()
      }
    },
  })
}

export const test = it

export { expect }
