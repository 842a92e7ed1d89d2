import { configSchema, type ConfigOutput, type Grant } from './schema.ts'
import { compilePrefix, type PrefixMatcher } from '../http/path.ts'
import { compilePatterns, type PathList } from '../http/patterns.ts'
import { compileRanges, type AddressMatcher } from '../policy/ip.ts'
import { rateLimitPolicy } from '../policy/rate-limit.ts'
import { describeIssue, type Problem } from './issues.ts'

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T

/** Matchers and sets derived from the settings once, at load, so no request recompiles them. */
export interface CompiledConfig {
  readonly prefix: PrefixMatcher
  /** Number of path segments in `protectedPrefix`. */
  readonly prefixLength: number
  readonly adminGroups: ReadonlySet<string>
  readonly allowedGroups: CompiledGrant
  readonly readOnlyGroups: ReadonlySet<string>
  /** `undefined` when every address is allowed. */
  readonly allowedAddresses: AddressMatcher | undefined
  /** `undefined` when no proxy is trusted. */
  readonly trustedProxies: AddressMatcher | undefined
  /** Lower-case name of the forwarding header. */
  readonly clientAddressHeader: string
  /** Whether that header is a right-to-left list (X-Forwarded-For). */
  readonly clientAddressList: boolean
  /** `oauth.usernamePattern`, compiled and wrapped in `^(?:…)$`. */
  readonly oauthUsernamePattern: RegExp | undefined
  /** The `RateLimit-Policy` header value. */
  readonly rateLimitPolicy: string
  readonly bypass: PathList
  readonly anonymous: PathList
  readonly restricted: PathList
  readonly grants: {
    readonly use: CompiledGrant
    readonly createForSelf: CompiledGrant
    readonly createForOthers: CompiledGrant
  }
}

/** `true` for everyone, otherwise the set of groups. */
export type CompiledGrant = true | ReadonlySet<string>

/** A validated, frozen configuration. Build it with {@link loadConfig}. */
export type Config = DeepReadonly<ConfigOutput> & { readonly compiled: CompiledConfig }

/** One configuration problem: the field's dotted path and what was wrong with it. */
export type ConfigProblem = Problem

/**
 * Thrown by {@link loadConfig} for an invalid configuration. `problems` lists every
 * problem, not only the first; the message lists them one per line.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code = 'ERR_PORTCULLIS_CONFIG'
  readonly problems: readonly ConfigProblem[]
  constructor(problems: readonly ConfigProblem[]) {
    super(`Invalid Portcullis configuration:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`)
    this.problems = problems
  }
}

/**
 * Validates a configuration once, applies defaults and returns it frozen.
 *
 * @example
 * ```ts
 * import { loadConfig } from 'portcullis'
 * const config = loadConfig({ apiTokens: { maxValidity: '1y', maxPerUser: 5 } })
 * ```
 * @throws {ConfigError} listing every problem by path.
 */
export function loadConfig(input: unknown): Config {
  const result = configSchema.safeParse(input ?? {}, { reportInput: true })
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue)))
  const settings = result.data
  const compiled: CompiledConfig = {
    prefix: compilePrefix(settings.protectedPrefix),
    prefixLength: settings.protectedPrefix.split('/').filter(Boolean).length,
    adminGroups: new Set(settings.adminGroups),
    allowedGroups: compileGrant(settings.access.allowedGroups),
    readOnlyGroups: new Set(settings.access.readOnlyGroups),
    allowedAddresses: settings.network.allow.length ? compileRanges(settings.network.allow) : undefined,
    trustedProxies: settings.network.trustedProxies.length ? compileRanges(settings.network.trustedProxies) : undefined,
    clientAddressHeader: settings.network.clientAddressHeader.toLowerCase(),
    clientAddressList: settings.network.clientAddressHeader.toLowerCase() === 'x-forwarded-for',
    oauthUsernamePattern: settings.oauth.usernamePattern === undefined ? undefined : anchored(settings.oauth.usernamePattern),
    rateLimitPolicy: rateLimitPolicy(settings.rateLimit.limit, settings.rateLimit.windowSeconds),
    bypass: compilePatterns(settings.paths.bypass, 'lets-through'),
    anonymous: compilePatterns(settings.paths.anonymous, 'lets-through'),
    restricted: compilePatterns(settings.paths.restricted, 'demands-auth'),
    grants: {
      use: compileGrant(settings.apiTokens.permissions.use),
      createForSelf: compileGrant(settings.apiTokens.permissions.createForSelf),
      createForOthers: compileGrant(settings.apiTokens.permissions.createForOthers),
    },
  }
  return deepFreeze({ ...settings, compiled }) as Config
}

/**
 * A configured pattern matched as a whole: `^a|b$` alone would leave each alternative
 * anchored at one end only (`admin@example.com.evil.net` matching `^(.+)@example\.com|x$`).
 */
export function anchored(source: string): RegExp {
  return new RegExp(`^(?:${source})$`)
}

function compileGrant(grant: Grant): CompiledGrant {
  return grant === 'everyone' ? true : new Set(grant)
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value
  // Sets are typed ReadonlySet; freezing one would not stop `add` anyway.
  if (!(value instanceof Set)) for (const v of Object.values(value)) deepFreeze(v)
  return Object.freeze(value)
}
