import type { Awaitable } from '../storage/types.ts'

/**
 * Whether an answer is a promise (any thenable); synchronous stores, and `Portcullis.handle`
 * when every store it needed was synchronous, answer directly.
 *
 * @example
 * ```ts
 * const outcome = portcullis.handle(request)
 * if (isThenable(outcome)) outcome.then(send, fail)
 * else send(outcome)
 * ```
 */
export function isThenable<T>(value: Awaitable<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}
