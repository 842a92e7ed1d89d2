import type { Awaitable } from '../storage/types.ts'

/** Whether a store's answer is a promise; synchronous stores answer directly. */
export function isThenable<T>(value: Awaitable<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}
