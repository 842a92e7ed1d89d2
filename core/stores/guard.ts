/**
 * What `createPortcullis` puts between the engine and the stores:
 *
 * - a time bound on every asynchronous store call, so an unreachable store turns into a
 *   503 within `stores.timeoutMs` instead of a hung request;
 * - in-process LRU caches (lru-cache) in front of the two hot reads, token by hash and
 *   user by name, for asynchronous stores and for those that ask (`Stores.cacheReads`:
 *   SQLite, where a query costs ten times a cache hit); an in-memory store answers as
 *   fast as a cache would. A hit answers synchronously. A revocation through this
 *   instance drops the entry at once; other instances, and changes made to the store
 *   behind the engine's back, are seen within `stores.cacheSeconds`. Misses are cached
 *   too, so a flood of made-up tokens does not reach the store.
 */
import { LRUCache } from 'lru-cache'
import type { Awaitable, Stores, TokenRecord, TokenStore, User, UserDirectory, UserStore } from '../../storage/types.ts'
import { isThenable } from '../awaitable.ts'
import type { Config } from '../config/load.ts'

/** Raised when a store call takes longer than `stores.timeoutMs`. */
export class StoreTimeoutError extends Error {
  override readonly name = 'StoreTimeoutError'
  readonly code = 'ERR_PORTCULLIS_STORE_TIMEOUT'
}

type Method<A extends unknown[], R> = (...args: A) => Awaitable<R>


/** A call waiting for its store, in a {@link Deadlines} queue. */
interface Pending {
  readonly deadline: number
  readonly reject: (error: StoreTimeoutError) => void
  settled: boolean
}

/**
 * The asynchronous store calls of one time bound, oldest first. Every call gets the same
 * bound, so deadlines fall in call order and one timer serves them all: a call costs one
 * promise and a queue entry, not a timer, a `Promise.race` and a `finally` of its own
 * (the difference shows on every request of an asynchronous store such as Redis). The
 * timer is cleared whenever no call is waiting, so it never holds a process open.
 */
class Deadlines {
  readonly #ms: number
  #queue: Pending[] = []
  #head = 0
  /** Calls in the queue not yet settled. */
  #waiting = 0
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(ms: number) {
    this.#ms = ms
  }

  /** `result`, or a {@link StoreTimeoutError} if it has not settled within the bound. */
  bound<R>(result: PromiseLike<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const pending: Pending = { deadline: performance.now() + this.#ms, reject, settled: false }
      this.#queue.push(pending)
      this.#waiting++
      this.#timer ??= setTimeout(this.#expire, this.#ms)
      result.then(
        (value) => {
          if (this.#settle(pending)) resolve(value)
        },
        (error: unknown) => {
          if (this.#settle(pending)) reject(error)
        },
      )
    })
  }

  /** Marks a call answered; false when its deadline already rejected it. */
  #settle(pending: Pending): boolean {
    if (pending.settled) return false
    pending.settled = true
    if (--this.#waiting === 0) {
      clearTimeout(this.#timer)
      this.#timer = undefined
      this.#queue = []
      this.#head = 0
    }
    return true
  }

  readonly #expire = (): void => {
    this.#timer = undefined
    const now = performance.now()
    const queue = this.#queue
    while (this.#head < queue.length) {
      const pending = queue[this.#head]!
      if (!pending.settled) {
        if (pending.deadline > now) break
        pending.settled = true
        this.#waiting--
        pending.reject(new StoreTimeoutError(`store call took longer than ${this.#ms} ms`))
      }
      this.#head++
    }
    // Compacted once half the queue is behind the head, so a long busy stretch stays O(1) per call.
    if (this.#head > 1024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head)
      this.#head = 0
    }
    if (this.#waiting > 0) this.#timer = setTimeout(this.#expire, Math.max(0, this.#queue[this.#head]!.deadline - now))
    else {
      this.#queue = []
      this.#head = 0
    }
  }
}

/** Bounds a store method's asynchronous results by the deadlines' `ms`; synchronous results pass untouched. */
function bounded<A extends unknown[], R>(method: Method<A, R>, deadlines: Deadlines): Method<A, R> {
  return (...args) => {
    const result = method(...args)
    return isThenable(result) ? deadlines.bound(result) : result
  }
}

/** A cached hit or miss (lru-cache does not hold `undefined` itself). */
type Cached<V> = { readonly value: V | undefined }

/** Counts invalidations of one cache, so a read that started before one does not store its stale answer after it. */
interface Epoch {
  value: number
}

/**
 * A read cached when the underlying method turns out to be asynchronous, or always when
 * `always`. A method is sync or async for good, so the first call decides. An answer is
 * cached only if no invalidation happened while it was in flight: a lookup racing a
 * revocation must not put the revoked token back.
 */
function cachedRead<V extends object>(read: Method<[string], V | undefined>, cache: LRUCache<string, Cached<V>>, epoch: Epoch, always: boolean): Method<[string], V | undefined> {
  let async: boolean | undefined
  return (key) => {
    if (async || always) {
      const hit = cache.get(key)
      if (hit !== undefined) return hit.value
    }
    const started = epoch.value
    const result = read(key)
    if (!isThenable(result)) {
      async = false
      if (always) cache.set(key, { value: result })
      return result
    }
    async = true
    return result.then((value) => {
      if (epoch.value === started) cache.set(key, { value })
      return value
    })
  }
}

/** Wraps the stores once: bounded calls and caches as described above. */
export function guardStores(stores: Stores, config: Config): Stores {
  const { timeoutMs, cacheSeconds, cacheEntries } = config.stores
  const options = { max: cacheEntries, ttl: cacheSeconds * 1000 }
  const tokenCache = new LRUCache<string, Cached<TokenRecord>>(options)
  const userCache = new LRUCache<string, Cached<User>>(options)
  const caching = cacheSeconds > 0
  const cacheSync = stores.cacheReads === true
  const deadlines = new Deadlines(timeoutMs)
  const t = <A extends unknown[], R>(m: Method<A, R>, self: object) => bounded(m.bind(self) as Method<A, R>, deadlines)

  const tokenEpoch: Epoch = { value: 0 }
  const userEpoch: Epoch = { value: 0 }
  const raw = stores.tokens
  const forgetToken = (id: string) => {
    tokenEpoch.value++
    for (const [hash, cached] of tokenCache.entries()) if (cached.value?.id === id) tokenCache.delete(hash)
  }
  const findByHash = t(raw.findByHash, raw)
  const tokens: TokenStore = {
    insert: t(raw.insert, raw),
    findByHash: caching ? cachedRead(findByHash, tokenCache, tokenEpoch, cacheSync) : findByHash,
    findById: t(raw.findById, raw),
    listByOwner: t(raw.listByOwner, raw),
    // The epoch moves when the delete starts as well as when it ends: a lookup overlapping it either way is not cached.
    delete: (() => {
      const remove = after(t(raw.delete, raw), ([id]) => forgetToken(id))
      return (id: string) => (tokenEpoch.value++, remove(id))
    })(),
    deleteExpired: after(t(raw.deleteExpired, raw), (_args, deleted) => deleted.forEach((r) => forgetToken(r.id))),
  }

  const users = stores.users
  const find = t(users.find, users)
  const directory: UserDirectory = {
    find: caching ? cachedRead(find, userCache, userEpoch, cacheSync) : find,
    verifyPassword: t(users.verifyPassword, users),
  }
  if (isUserStore(users)) {
    const forgetUser = (user: User | undefined) => {
      if (!user) return
      userEpoch.value++
      // A user may be cached under their name or email address, as a hit or as a miss.
      const names = new Set([user.username, user.email.toLowerCase()])
      for (const [key, cached] of userCache.entries()) {
        if (cached.value?.username === user.username || names.has(key) || names.has(key.toLowerCase())) userCache.delete(key)
      }
    }
    Object.assign(directory, {
      add: after(t(users.add, users), (_args, user) => forgetUser(user)),
      update: after(t(users.update, users), (_args, user) => forgetUser(user)),
    })
  }

  return {
    tokens,
    users: directory,
    ...(stores.audit && { audit: { append: t(stores.audit.append, stores.audit), query: t(stores.audit.query, stores.audit), prune: t(stores.audit.prune, stores.audit) } }),
    ...(stores.rateLimit && { rateLimit: { consume: t(stores.rateLimit.consume, stores.rateLimit) } }),
    ...(stores.loginThrottle && {
      loginThrottle: { begin: t(stores.loginThrottle.begin, stores.loginThrottle), settle: t(stores.loginThrottle.settle, stores.loginThrottle) },
    }),
    ...(stores.hostTokens && { hostTokens: bounded(stores.hostTokens, deadlines) }),
    ...(stores.hostOAuthTokens && { hostOAuthTokens: bounded(stores.hostOAuthTokens, deadlines) }),
  }
}

function isUserStore(users: UserDirectory): users is UserStore {
  return typeof (users as Partial<UserStore>).add === 'function' && typeof (users as Partial<UserStore>).update === 'function'
}

/** Runs `effect` with the arguments and result once a (sync or async) call succeeds. */
function after<A extends unknown[], R>(method: Method<A, R>, effect: (args: A, result: R) => void): Method<A, R> {
  return (...args) => {
    const result = method(...args)
    if (!isThenable(result)) {
      effect(args, result)
      return result
    }
    return result.then((value) => {
      effect(args, value)
      return value
    })
  }
}
