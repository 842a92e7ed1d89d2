/**
 * The token management API under `<protectedPrefix>auth/1/token`, answered by the core so
 * every adapter serves it the same way:
 *
 * | method | path | does |
 * |---|---|---|
 * | POST | `/auth/1/token` | create (`{"name","validity","username"?}`), 201 with the token, shown once |
 * | GET | `/auth/1/token` | list (`?username=` for another user) |
 * | GET | `/auth/1/token/{id}` | expiry details |
 * | DELETE | `/auth/1/token/{id}` | revoke |
 * | DELETE | `/auth/1/token/expired` | delete expired tokens (`?username=` for another user) |
 * | POST | `/auth/1/token/test` | the test-token diagnostic (`{"type","token"}`), for admins |
 */
import { z } from 'zod'
import type { AuditRecord } from '../../storage/types.ts'
import type { Allow, Deny, Respond } from '../decision.ts'
import { deny } from '../errors/deny.ts'
import { describeIssue } from '../config/issues.ts'
import type { Config } from '../config/load.ts'
import type { AuthRequest } from '../request.ts'
import type { Stores } from '../../storage/types.ts'
import { maxTokenNameLength, TokenService, type ServiceResult } from './service.ts'
import { validityChoices } from './validity.ts'
import { testableTokenTypes, testToken } from '../diagnostics/test-token.ts'
import { isAdmin } from '../policy/permissions.ts'
import type { Providers } from '../providers/runtime.ts'

const routeSegments = ['auth', '1', 'token']

/**
 * The part of the path after `auth/1/token` when the normalised path is a token route
 * (`[]` for the collection, `[id]` for one), otherwise `undefined`.
 */
export function tokenRoute(segments: readonly string[], config: Config): readonly string[] | undefined {
  const at = config.compiled.prefixLength
  if (segments.length < at + routeSegments.length) return undefined
  for (let i = 0; i < routeSegments.length; i++) if (segments[at + i] !== routeSegments[i]) return undefined
  return segments.slice(at + routeSegments.length)
}

const createBody = z.strictObject({
  name: z
    .string({ error: `expected a name of 1 to ${maxTokenNameLength} characters` })
    .trim()
    .min(1, { error: `expected a name of 1 to ${maxTokenNameLength} characters` })
    .max(maxTokenNameLength, { error: `expected a name of 1 to ${maxTokenNameLength} characters` })
    .regex(/^[^\x00-\x1f\x7f]*$/, { error: 'expected no control characters' }),
  validity: z.enum(validityChoices, { error: `expected one of ${validityChoices.map((v) => `"${v}"`).join(', ')}` }),
  username: z.string({ error: 'expected a username' }).min(1, { error: 'expected a username' }).optional(),
}, { error: 'expected a JSON object' })

const testBody = z.strictObject({
  type: z.enum(testableTokenTypes, { error: `expected one of ${testableTokenTypes.map((t) => `"${t}"`).join(', ')}` }),
  token: z.string({ error: 'expected the token as a string' }).min(1, { error: 'expected a non-empty token' }).max(8192, { error: 'expected at most 8192 characters' }),
}, { error: 'expected a JSON object' })

const jsonHeaders = { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store' }

/** Serves one token API request for an authenticated caller. */
export async function handleTokenRoute(
  request: AuthRequest,
  rest: readonly string[],
  caller: Allow,
  config: Config,
  stores: Stores,
  providers: Providers,
  now: () => number,
): Promise<Respond | Deny> {
  const fields = { method: caller.audit.method, path: caller.audit.path, client: caller.audit.client }
  const service = new TokenService(config, stores, fields, now)
  const actor = caller.user
  // The query read on its own: resolving the target as a URL throws for some paths that normalise fine (`//;[/rest/...`).
  const username = new URLSearchParams(/\?([^#]*)/.exec(request.target)?.[1] ?? '').get('username') ?? undefined
  const method = request.method

  const refuse = (error: Parameters<typeof deny>[0], event: AuditRecord['event'], detail?: string): Deny => {
    const d = deny(error, 'none', { ...fields, time: now() }, config, actor.username, detail)
    return { ...d, audit: { ...d.audit, event } }
  }
  const answer = <T>(result: ServiceResult<T>, event: AuditRecord['event'], status = 200): Respond | Deny => {
    if (!result.ok) return refuse(result.error, event, result.detail)
    return {
      kind: 'respond',
      status,
      headers: jsonHeaders,
      body: JSON.stringify(result.value),
      // The request's own record; the service has already written the change's record (actor, owner, token).
      audit: caller.audit,
    }
  }
  const allowOnly = (allow: string): Deny => {
    const d = refuse('method_not_allowed', 'authenticate')
    return { ...d, headers: { ...d.headers, allow } }
  }

  if (rest.length === 0) {
    if (method === 'GET') return answer(await service.list(actor, username), 'authenticate')
    if (method !== 'POST') return allowOnly('GET, POST')
    const input = await readBody(request, createBody, '{"name":"ci","validity":"6m"}')
    if (typeof input === 'string') return refuse('token_request_invalid', 'token.create', input)
    const created = await service.create(actor, { name: input.name, validity: input.validity, ...(input.username !== undefined && { owner: input.username }) })
    return answer(created, 'token.create', 201)
  }
  if (rest.length === 1 && rest[0] === 'test') {
    if (method !== 'POST') return allowOnly('POST')
    // It tells whose a token is: admins only, whatever the token grants say.
    if (!isAdmin(actor, config)) return refuse('token_generation_denied', 'authenticate')
    const input = await readBody(request, testBody, '{"type":"api-token","token":"pcl_..."}', ['token'])
    if (typeof input === 'string') return refuse('token_request_invalid', 'authenticate', input)
    return answer({ ok: true, value: await testToken(input.type, input.token, config, stores, providers, now()) }, 'authenticate')
  }
  if (rest.length === 1 && rest[0] === 'expired') {
    if (method !== 'DELETE') return allowOnly('DELETE')
    const result = await service.deleteExpired(actor, username)
    return answer(result.ok ? { ok: true, value: { deleted: result.value } } : result, 'token.delete-expired')
  }
  if (rest.length === 1) {
    if (method === 'GET') return answer(await service.expiry(actor, rest[0]!), 'authenticate')
    if (method === 'DELETE') return answer(await service.revoke(actor, rest[0]!), 'token.delete')
    return allowOnly('GET, DELETE')
  }
  return refuse('token_not_found', 'authenticate')
}

/**
 * The parsed body, or a description of what is wrong with it. When the body may carry a
 * secret (`secrets` names its fields), no value sent is shown back: a secret sent in
 * another field, or as the whole body, would be.
 */
async function readBody<S extends z.ZodType>(request: AuthRequest, schema: S, example: string, secrets: readonly string[] = []): Promise<z.output<S> | string> {
  let text: string
  try {
    if (!request.body) return 'body: this server does not pass request bodies to Portcullis'
    text = await request.body()
  } catch {
    return 'body: expected UTF-8 JSON of at most 16 KiB'
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return `body: expected JSON such as ${example}`
  }
  const parsed = schema.safeParse(json, { reportInput: true })
  if (parsed.success) return parsed.data
  return parsed.error.issues.map((issue) => {
    const p = describeIssue(issue, secrets.length > 0)
    return `${p.path}: ${p.message}`
  }).join('; ')
}
