import { setImmediate } from 'node:timers'

/** Largest batch {@link TurnBatcher} builds by default: a few hundred items keep one command well under a megabyte. */
export const defaultMaxBatch = 512

/**
 * Group commit: collects the items a store receives during one event-loop turn and hands
 * them to `send` together when the turn ends, so N concurrent requests cost one Redis
 * command (one command object and timeout timer, one reply to parse) instead of N. `send`
 * answers each item itself (items carry their callers' resolvers), and must not throw.
 *
 * The turn ends with `setImmediate` (from `node:timers`, which Deno provides as well):
 * it runs after every I/O callback of this loop iteration, so a batch gathers the
 * requests woken by all the replies and connections that were ready, not just those of
 * one callback as a microtask would; and unlike `setTimeout(0)` it adds no timer delay.
 * A batch that reaches `maxItems` is sent at once, so one huge turn builds several
 * commands of bounded size rather than one giant one.
 */
export class TurnBatcher<I> {
  readonly #send: (items: readonly I[]) => void
  readonly #maxItems: number
  #items: I[] = []
  #scheduled = false

  constructor(send: (items: readonly I[]) => void, maxItems = defaultMaxBatch) {
    if (!Number.isInteger(maxItems) || maxItems < 1) throw new TypeError('maxItems: expected a positive integer')
    this.#send = send
    this.#maxItems = maxItems
  }

  /** Adds an item to this turn's batch. */
  add(item: I): void {
    if (this.#items.push(item) >= this.#maxItems) this.flush()
    else if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(this.#turnEnded)
    }
  }

  /** Sends the waiting items now, ahead of the turn's end (for a read that must see them). */
  flush(): void {
    if (this.#items.length === 0) return
    const items = this.#items
    this.#items = []
    this.#send(items)
  }

  readonly #turnEnded = (): void => {
    this.#scheduled = false
    this.flush()
  }
}
