import type { LockoutPolicy, Stores, User } from '../../storage/types.ts'
import type { Config } from '../config/load.ts'
import { throttleKeys } from '../policy/login-throttle.ts'
import type { Providers } from '../providers/runtime.ts'
import type { MethodResult } from './result.ts'

/**
 * Authenticates a username (or email address) and password: at the provider when REST
 * SSO is on, otherwise against the directory. Locally, an unknown user, an inactive one
 * and a wrong password get the same answer, and the directory hashes something in every
 * case so the time does not tell them apart. Either way, attempts go through the login
 * throttle (`stores.loginThrottle`, else the process's own): a locked username or client
 * address is refused before any check.
 */
export async function authenticatePassword(
  name: string,
  password: string,
  client: string,
  config: Config,
  stores: Stores,
  providers: Providers,
  now: number,
): Promise<MethodResult> {
  // A clock that reads NaN would make every lock look ended: refuse (503) rather than let guesses through.
  if (!Number.isFinite(now)) throw new TypeError(`login throttle: the clock read ${now}`)
  const throttle = stores.loginThrottle ?? providers.throttle
  // One count per account, whether it is named by username or by email address.
  const known = await stores.users.find(name)
  const keys = throttleKeys(known?.username ?? name, client)
  const policy = lockoutOf(config)
  const attempt = crypto.randomUUID()
  const wait = await throttle.begin(keys, attempt, policy, now)
  // Fail closed on an answer that is not a wait: a store's NaN or undefined must not read as "go ahead".
  if (!(Number.isFinite(wait) && wait >= 0)) throw new TypeError(`login throttle: begin answered ${String(wait)}, not a wait in ms`)
  if (wait > 0) return { ok: false, error: 'login_throttled', headers: { 'retry-after': String(Math.ceil(wait / 1000)) } }
  let result: MethodResult
  try {
    result = providers.passwordGrant ? await viaProvider(name, password, known, providers) : await locally(name, password, known, stores)
  } catch (error) {
    // A provider or store that failed says nothing about the password: nothing is counted, and the request is a 503.
    await throttle.settle(keys, attempt, 'void', policy, now)
    throw error
  }
  const outcome = result.ok ? 'success' : result.error === 'password_invalid' && (!providers.passwordGrant || result.countsAsFailure) ? 'failure' : 'void'
  if ((await throttle.settle(keys, attempt, outcome, policy, now)) && !result.ok) {
    return { ...result, detail: `${result.detail ?? 'wrong credentials'}; attempts locked for ${config.passwordLockout.lockSeconds} s` }
  }
  return result
}

/** `user` is the directory's answer for `name`, looked up once for the throttle and the check. */
async function locally(name: string, password: string, user: User | undefined, stores: Stores): Promise<MethodResult> {
  const valid = await stores.users.verifyPassword(user?.username ?? name, password)
  if (!user || !valid || !user.active) return { ok: false, error: 'password_invalid' }
  return { ok: true, user, via: 'password' }
}

async function viaProvider(name: string, password: string, user: User | undefined, providers: Providers): Promise<MethodResult> {
  const verdict = await providers.passwordGrant!.check(name, password)
  if (!verdict.ok) {
    // Only a refused password counts towards the throttle; a refusal of our client is an operator's problem.
    return { ok: false, error: 'password_invalid', detail: `provider refused: ${verdict.reason}`, ...(verdict.wrongCredentials && { countsAsFailure: true }) }
  }
  if (!user) return { ok: false, error: 'user_not_found', detail: `no user ${name}` }
  if (!user.active) return { ok: false, error: 'password_invalid', detail: 'user inactive' }
  return { ok: true, user, via: 'rest-sso' }
}

const lockoutOf = ({ passwordLockout: { maxFailures, windowSeconds, lockSeconds }, providers, stores }: Config): LockoutPolicy => ({
  maxFailures,
  windowMs: windowSeconds * 1000,
  lockMs: lockSeconds * 1000,
  // Counted from the request's start, longer than it can take under createPortcullis's
  // bounds: the user's lookup, `begin`, the provider's call or the password, `settle`.
  leaseMs: providers.timeoutMs + 4 * stores.timeoutMs,
})
