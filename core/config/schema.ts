/**
 * The configuration schema: the single source of the config's TypeScript types, its
 * validation (with field-by-field errors) and the docs' reference page.
 *
 * Every field says what it expects in its own error text, so a load error reads
 * `apiTokens.maxPerUser: expected a positive integer, got -1`.
 */
import { z } from 'zod'
import { isValidPattern } from '../http/patterns.ts'
import { isAddressOrRange } from '../policy/ip.ts'
import { maxValidityChoices } from '../tokens/validity.ts'

const positiveInt = () => z.int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' })
const flag = () => z.boolean({ error: 'expected true or false' })
/** The error text of a settings object (the root and each section). */
const section = { error: 'expected an object' }
const groupName = z.string({ error: 'expected a group name' }).trim().min(1, { error: 'expected a non-empty group name' })

/**
 * Who holds a permission: `"everyone"`, or the members of the listed groups.
 * Members of `adminGroups` hold every permission whatever this says.
 */
const grant = () =>
  z.union([z.literal('everyone'), z.array(groupName)], { error: 'expected "everyone" or a list of group names' })

/** Path prefix, origin-form, ending in a slash. */
const pathPrefix = z
  .string({ error: 'expected a path such as "/rest/"' })
  .regex(/^\/(?:[A-Za-z0-9._~!$&'()*+,;=:@-]+\/)*$/, { error: 'expected a path starting and ending with "/", such as "/rest/"' })

const groupList = () => z.array(groupName, { error: 'expected a list of group names' })

const addressList = () =>
  z.array(
    z.string({ error: 'expected an IPv4/IPv6 address or CIDR range such as "10.0.0.0/8"' }).refine(isAddressOrRange, {
      error: 'expected an IPv4/IPv6 address or CIDR range such as "10.0.0.0/8"',
    }),
    { error: 'expected a list of addresses and CIDR ranges' },
  )

const patternList = () =>
  z.array(
    z.string({ error: 'expected a path pattern such as "/rest/api/2/serverInfo" or "/rest/public/**"' }).refine(isValidPattern, {
      error: 'expected a path pattern: segments literal or "*", "**" only as the last segment, no query',
    }),
    { error: 'expected a list of path patterns' },
  )

const headerName = z
  .string({ error: 'expected a header name such as "X-Forwarded-For"' })
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'expected a header name such as "X-Forwarded-For"' })

/** An identity provider URL: https, or http on a loopback host (tests only). */
const providerUrl = () =>
  z
    .string({ error: 'expected an https URL' })
    .refine((text) => {
      if (!URL.canParse(text)) return false
      const url = new URL(text)
      if (url.username || url.password || url.hash) return false
      return url.protocol === 'https:' || (url.protocol === 'http:' && /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/.test(url.hostname))
    }, { error: 'expected an https URL (http only on a loopback host), without credentials or fragment' })

/** Signature algorithms a JWT may use: asymmetric only, never `none` or an HMAC with a public key. */
export const jwtAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const

/** A regular expression with exactly one capture group, anchored at both ends. */
const usernamePattern = () =>
  z
    .string({ error: 'expected a regular expression such as "^(.+)@example\\.com$"' })
    .refine((source) => {
      try {
        return source.startsWith('^') && source.endsWith('$') && new RegExp(`${source}|`).exec('')!.length === 2
      } catch {
        return false
      }
    }, { error: 'expected a valid regular expression anchored with ^ and $ with exactly one capture group' })

const pem = (label: string) =>
  z.string({ error: `expected a PEM ${label}` }).regex(new RegExp(`^\\s*-----BEGIN ${label}-----[\\s\\S]+-----END ${label}-----\\s*$`), {
    error: `expected a PEM block "-----BEGIN ${label}-----"`,
  })

const jwtIssuer = z
  .strictObject({
    issuer: z.string({ error: 'expected the issuer (the iss claim)' }).min(1, { error: 'expected the issuer (the iss claim)' }).meta({
      description: 'The exact `iss` claim of this issuer; a token is matched to its issuer by it.',
    }),
    algorithms: z
      .array(z.enum(jwtAlgorithms, { error: `expected one of ${jwtAlgorithms.join(', ')}` }), { error: 'expected a list of algorithms' })
      .min(1, { error: 'expected at least one algorithm' })
      .meta({ description: 'Accepted signature algorithms. Asymmetric only: `none` and HMAC are refused.' }),
    audience: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'expected an audience or a list of them' })
      .optional()
      .meta({ description: 'When set, the `aud` claim must contain one of these.' }),
    publicKey: pem('PUBLIC KEY').optional().meta({ description: 'A PEM (SPKI) public key.' }),
    certificate: pem('CERTIFICATE').optional().meta({ description: 'A PEM X.509 certificate.' }),
    jwks: z
      .strictObject({ keys: z.array(z.record(z.string(), z.unknown()), { error: 'expected a list of JWKs' }).min(1, { error: 'expected at least one key' }) }, { error: 'expected a JWKS object {"keys":[...]}' })
      .optional()
      .meta({ description: 'An inline JWK Set.' }),
    jwksUri: providerUrl().optional().meta({ description: "The provider's JWKS URL (fetched, cached, refreshed on an unknown kid at most once per cooldown)." }),
    usernameClaim: z.string({ error: 'expected a claim name' }).min(1, { error: 'expected a claim name' }).default('sub').meta({
      description: 'The claim holding the username.',
    }),
    usernamePattern: usernamePattern().optional().meta({
      description: 'Narrows the claim: its one capture group is the username. A claim that does not match is refused.',
    }),
    requireExp: flag().default(true).meta({ description: 'Refuse tokens without `exp`.' }),
    clockToleranceSeconds: z.int({ error: 'expected 0 to 300 seconds' }).min(0, { error: 'expected 0 to 300 seconds' }).max(300, { error: 'expected 0 to 300 seconds' }).default(30).meta({
      description: 'Leeway for `exp`, `nbf` and `iat`.',
    }),
    maxLifetimeSeconds: positiveInt().optional().meta({ description: 'Refuse tokens whose `iat` is older than this (needs `iat`).' }),
    typ: z.string({ error: 'expected a media type such as "at+jwt"' }).min(1).optional().meta({
      description: 'Required `typ` header, such as "at+jwt" to refuse ID tokens used as access tokens.',
    }),
  }, section)
  .refine((i) => [i.publicKey, i.certificate, i.jwks, i.jwksUri].filter((k) => k !== undefined).length === 1, {
    error: 'expected exactly one of publicKey, certificate, jwks or jwksUri',
  })

const realmName = z
  .string({ error: 'expected a realm name' })
  .regex(/^[\x20-\x7e]{1,64}$/, { error: 'expected 1 to 64 printable ASCII characters' })
  .refine((s) => !s.includes('"') && !s.includes('\\'), { error: 'expected no quote or backslash' })

const apiTokens = z
  .strictObject({
    enabled: flag().default(true).meta({ description: 'Accept API tokens issued by Portcullis.' }),
    allowUserCreation: flag()
      .default(true)
      .meta({ description: 'Let users create tokens. Off: only admins create tokens, for anyone.' }),
    maxValidity: z
      .enum(maxValidityChoices, { error: `expected one of ${maxValidityChoices.map((c) => `"${c}"`).join(', ')}` })
      .default('never')
      .meta({
        description:
          'The longest validity a user may pick. "6m" allows only 6 months; "1y" allows 1 year or 6 months; "2y" allows 2 years, 1 year or 6 months; "never" allows every choice, including tokens that never expire.',
      }),
    maxPerUser: positiveInt().max(10_000, { error: 'expected at most 10000' }).default(10).meta({
      description: 'How many tokens one user may hold at once.',
    }),
    deleteExpiredAfterDays: positiveInt().optional().meta({
      description: 'The maintenance job deletes tokens that expired more than this many days ago. Unset: expired tokens are kept.',
    }),
    permissions: z
      .strictObject({
        use: grant().default('everyone').meta({ description: 'Who may authenticate with a token.' }),
        createForSelf: grant()
          .default('everyone')
          .meta({ description: 'Who may create tokens for themselves (the token generation groups).' }),
        createForOthers: grant()
          .default([])
          .meta({ description: 'Who may create and delete tokens for other users, besides admins.' }),
      }, section)
      .prefault({}),
  }, section)
  .prefault({})

/** The Portcullis configuration schema. */
export const configSchema = z.strictObject({
  enabled: flag().default(true).meta({ description: 'Master switch. Off: every request passes through untouched.' }),
  protectedPrefix: pathPrefix.default('/rest/').meta({
    description: 'Requests under this path prefix are authenticated; others pass. Matched case-insensitively on the normalised path.',
  }),
  realm: realmName.default('portcullis').meta({ description: 'The realm named in WWW-Authenticate challenges.' }),
  adminGroups: z
    .array(groupName, { error: 'expected a list of group names' })
    .default(['admins'])
    .meta({ description: 'Members of these groups are admins: they hold every token permission, for any user.' }),
  basicAuth: z
    .strictObject({
      passwords: flag().default(true).meta({
        description: 'Accept local username/password Basic credentials. Off ("disable basic authentication"): Basic carries only API tokens.',
      }),
    }, section)
    .prefault({}),
  hostTokens: z
    .strictObject({
      enabled: flag().default(false).meta({
        description: "Accept the host's own personal access tokens (Bearer), checked by the verifier the host passes in as stores.hostTokens.",
      }),
      oauth: flag().default(false).meta({
        description: "Accept the host's native OAuth access tokens (Bearer), checked by the verifier the host passes in as stores.hostOAuthTokens.",
      }),
    }, section)
    .prefault({}),
  apiTokens,
  access: z
    .strictObject({
      allowedGroups: grant().default('everyone').meta({
        description: '"Allow API access": "everyone", or only members of these groups may authenticate (others get 403).',
      }),
      readOnlyGroups: groupList().default([]).meta({
        description: 'Members may only use GET, HEAD and OPTIONS (the token API excepted: it has its own permissions).',
      }),
    }, section)
    .prefault({}),
  network: z
    .strictObject({
      allow: addressList().default([]).meta({
        description: 'Client addresses and CIDR ranges allowed to authenticate. Empty: every address.',
      }),
      trustedProxies: addressList().default([]).meta({
        description: 'Reverse proxies whose forwarding header is believed. Empty: the TCP peer is the client.',
      }),
      clientAddressHeader: headerName.default('X-Forwarded-For').meta({
        description: 'Header a trusted proxy puts the client address in. X-Forwarded-For is read as a list, right to left; any other header must hold one address.',
      }),
    }, section)
    .prefault({}),
  paths: z
    .strictObject({
      bypass: patternList().default([]).meta({
        description: 'Paths Portcullis does not judge at all (passed, audited as bypass); the host may still authenticate them.',
      }),
      anonymous: patternList().default([]).meta({
        description: "The host's public APIs: requests without credentials pass through. Requests with credentials are still checked.",
      }),
      restricted: patternList().default([]).meta({
        description: 'Restrict public APIs: of the anonymous paths, these must be authenticated here (401 without credentials).',
      }),
    }, section)
    .prefault({}),
  rateLimit: z
    .strictObject({
      enabled: flag().default(false).meta({ description: 'Limit requests per API token (per user for other methods).' }),
      limit: positiveInt().max(100_000, { error: 'expected at most 100000' }).default(600).meta({
        description: 'Requests allowed in any window of windowSeconds.',
      }),
      windowSeconds: positiveInt().max(86_400, { error: 'expected at most 86400 (one day)' }).default(60).meta({
        description: 'Length of the sliding window, in seconds.',
      }),
      onStoreFailure: z.enum(['refuse', 'allow'], { error: 'expected "refuse" or "allow"' }).default('refuse').meta({
        description:
          'When only the rate-limit store fails: "refuse" answers 503; "allow" lets the request through, marked degraded in the decision and its audit record.',
      }),
    }, section)
    .prefault({}),
  passwordLockout: z
    .strictObject({
      maxFailures: positiveInt().max(1000, { error: 'expected at most 1000' }).default(10).meta({
        description: 'Failed password attempts (per username, and per client address) within windowSeconds that lock further attempts.',
      }),
      windowSeconds: positiveInt().max(86_400, { error: 'expected at most 86400' }).default(900),
      lockSeconds: positiveInt().max(86_400, { error: 'expected at most 86400' }).default(300).meta({
        description: 'How long attempts are refused (429, audited) once locked; the lock ends on its own.',
      }),
    }, section)
    .prefault({}),
  restSso: z
    .strictObject({
      enabled: flag().default(false).meta({
        description: "OpenID Connect REST SSO: passwords (Basic, or os_username/os_password query parameters) are checked at the provider's token endpoint instead of locally.",
      }),
      tokenEndpoint: providerUrl().optional().meta({ description: "The provider's token endpoint (resource owner password credentials grant)." }),
      clientId: z.string({ error: 'expected the client id' }).min(1).optional(),
      clientSecret: z.string({ error: 'expected the client secret' }).min(1).optional().meta({ description: 'Omit for a public client.' }),
      scope: z.string({ error: 'expected a scope' }).default('openid'),
    }, section)
    .prefault({})
    .refine((r) => !r.enabled || (r.tokenEndpoint !== undefined && r.clientId !== undefined), {
      error: 'expected tokenEndpoint and clientId when enabled',
    }),
  jwt: z
    .strictObject({
      enabled: flag().default(true).meta({
        description: 'Accept JWTs of the issuers below. false switches them off and keeps the issuers\' settings.',
      }),
      issuers: z.array(jwtIssuer, { error: 'expected a list of issuers' }).default([]).meta({
        description: 'JWT issuers, each with its own keys and username claim. Empty: JWTs are not accepted.',
      }),
      cacheSeconds: z.int({ error: 'expected 0 to 3600 seconds' }).min(0, { error: 'expected 0 to 3600 seconds' }).max(3600, { error: 'expected 0 to 3600 seconds' }).default(300).meta({
        description: "A verified JWT is remembered (by a hash of it) for at most this long, never past its own exp, and forgotten when the issuer's keys change.",
      }),
      cacheEntries: positiveInt().max(1_000_000, { error: 'expected at most 1000000' }).default(10_000).meta({
        description: 'Bound of the verified-token cache.',
      }),
    }, section)
    .prefault({})
    .refine((j) => new Set(j.issuers.map((i) => i.issuer)).size === j.issuers.length, { error: 'expected each issuer once' }),
  oauth: z
    .strictObject({
      enabled: flag().default(true).meta({
        description: "Accept the provider's OAuth access tokens (the authorization and client-credentials grants). false switches them off and keeps the provider's settings.",
      }),
      introspection: z
        .strictObject({
          endpoint: providerUrl().meta({ description: 'The RFC 7662 introspection endpoint.' }),
          clientId: z.string({ error: 'expected the client id' }).min(1, { error: 'expected the client id' }),
          clientSecret: z.string({ error: 'expected the client secret' }).min(1, { error: 'expected the client secret' }),
          authMethod: z.enum(['client_secret_basic', 'client_secret_post'], { error: 'expected "client_secret_basic" or "client_secret_post"' }).default('client_secret_basic'),
        }, section)
        .optional()
        .meta({ description: "Opaque access tokens are checked at the provider's introspection endpoint with these client credentials." }),
      userinfoEndpoint: providerUrl().optional().meta({
        description: 'For providers without introspection: a user access token is checked by calling userinfo with it.',
      }),
      issuer: z.string({ error: 'expected the issuer identifier' }).min(1).optional().meta({ description: "The provider's issuer identifier (defaults to the endpoint's origin)." }),
      usernameAttribute: z.string({ error: 'expected an attribute name' }).min(1).default('username').meta({
        description: 'Attribute of the introspection (or userinfo) response holding the username (authorization grant).',
      }),
      usernamePattern: usernamePattern().optional().meta({ description: 'Narrows the attribute: its one capture group is the username.' }),
      clientCredentials: z
        .strictObject({
          clientIds: z.array(z.string().min(1), { error: 'expected a list of client ids' }).default([]).meta({
            description: 'Machine clients whose client-credentials tokens are accepted (the introspected client_id).',
          }),
          serviceAccount: z.string({ error: 'expected a username' }).min(1).optional().meta({
            description: 'The user such a request runs as; must exist in the directory.',
          }),
          scope: z.string({ error: 'expected a scope' }).min(1).optional().meta({ description: 'A scope the token must carry.' }),
        }, section)
        .prefault({}),
      cacheSeconds: z.int({ error: 'expected 0 to 3600 seconds' }).min(0, { error: 'expected 0 to 3600 seconds' }).max(3600, { error: 'expected 0 to 3600 seconds' }).default(60).meta({
        description: 'An active introspection result is remembered this long at most, never past the token exp.',
      }),
      negativeCacheSeconds: z.int({ error: 'expected 0 to 300 seconds' }).min(0, { error: 'expected 0 to 300 seconds' }).max(300, { error: 'expected 0 to 300 seconds' }).default(10).meta({
        description: 'An inactive result is remembered this long, so a flood of bad tokens does not flood the provider.',
      }),
      cacheEntries: positiveInt().max(1_000_000, { error: 'expected at most 1000000' }).default(10_000),
    }, section)
    .prefault({})
    .refine((o) => o.clientCredentials.clientIds.length === 0 || (o.introspection !== undefined && o.clientCredentials.serviceAccount !== undefined), {
      error: 'expected introspection and clientCredentials.serviceAccount when clientCredentials.clientIds is set',
    }),
  providers: z
    .strictObject({
      timeoutMs: positiveInt().max(30_000, { error: 'expected at most 30000' }).default(3000).meta({
        description: 'Longest a call to an identity provider (JWKS, introspection, token endpoint) may take; past it the request gets 503.',
      }),
      jwksCooldownSeconds: positiveInt().max(3600, { error: 'expected at most 3600' }).default(30).meta({
        description: 'No JWKS refetch sooner than this after the previous attempt, whatever the kid.',
      }),
      jwksMaxAgeSeconds: positiveInt().max(86_400, { error: 'expected at most 86400' }).default(600).meta({
        description: 'A JWKS older than this is refreshed (the old one is kept if the refresh fails).',
      }),
    }, section)
    .prefault({}),
  stores: z
    .strictObject({
      timeoutMs: positiveInt().max(60_000, { error: 'expected at most 60000' }).default(1000).meta({
        description: 'Longest a store call may take before the request is refused with 503 (fail closed).',
      }),
      cacheSeconds: z.int({ error: 'expected a whole number of seconds, 0 to disable' }).min(0, { error: 'expected a whole number of seconds, 0 to disable' }).max(300, { error: 'expected at most 300' }).default(5).meta({
        description:
          'In-process cache of tokens and users in front of asynchronous stores and of stores that ask for one (SQLite). A token revoked on another instance, or by another process sharing a SQLite file, keeps working here for at most this long.',
      }),
      cacheEntries: positiveInt().max(1_000_000, { error: 'expected at most 1000000' }).default(10_000).meta({
        description: 'Entries per cache (tokens, users): bounds memory.',
      }),
    }, section)
    .prefault({}),
  audit: z
    .strictObject({
      enabled: flag().default(true).meta({ description: 'Append every decision and token change to the audit store.' }),
      retentionDays: positiveInt().optional().meta({ description: 'The maintenance job deletes records older than this many days.' }),
      maxEntries: positiveInt().optional().meta({ description: 'The maintenance job keeps only the newest this many records.' }),
    }, section)
    .prefault({}),
}, section)
  .superRefine((c, ctx) => {
    if (!c.oauth.enabled || (c.oauth.introspection === undefined && c.oauth.userinfoEndpoint === undefined)) return
    for (const toggle of ['enabled', 'oauth'] as const) {
      if (!c.hostTokens[toggle]) continue
      ctx.addIssue({
        code: 'custom',
        input: true,
        path: ['hostTokens', toggle],
        message: 'expected false while an OAuth provider is configured (oauth.introspection or oauth.userinfoEndpoint) and on (oauth.enabled): every Bearer token that is not a Portcullis token or a JWT of a configured issuer goes to that provider, so the host\'s verifier would never be asked',
      })
    }
  })

/** Configuration as written by the user (every field optional). */
export type ConfigInput = z.input<typeof configSchema>
/** Configuration after validation and defaults. */
export type ConfigOutput = z.output<typeof configSchema>
/** A permission grant: `"everyone"` or a list of groups. */
export type Grant = ConfigOutput['apiTokens']['permissions']['use']
