import { describe, expect, it } from 'vitest'
import { catalog, errorBody, errorHeaders, type ErrorId } from './catalog.ts'

/** The documented responses (shared/responses.json), copied so a drift in the catalog fails here. */
const documented: readonly [ErrorId, number, string][] = [
  ['api_token_invalid', 401, 'Provided API key is invalid'],
  ['user_not_found', 400, 'No user found with this username/email address'],
  ['client_credentials_invalid', 401, 'Expired Token / invalid_client_ID'],
  ['jwt_invalid', 400, 'Token Invalid: Error while validating the token.'],
  ['jwt_expired', 401, 'Token Expired: The token provided is expired.'],
  ['group_not_allowed', 403, 'User is not allowed to authenticate'],
  ['read_only_write', 401, 'User does not have permission to execute this operation'],
  ['token_generation_denied', 403, 'User does not have permission to execute this operation'],
  ['ip_not_allowed', 403, 'Not valid IP address/Range'],
]

const ids = Object.keys(catalog) as ErrorId[]

describe('catalog', () => {
  it('holds every documented response to the byte', () => {
    for (const [id, status, message] of documented) {
      expect([id, catalog[id].status, catalog[id].message]).toEqual([id, status, message])
      expect(errorBody(id)).toBe(`{"error":{"status":"ERROR","message":"${message}"}}`)
    }
  })

  it('answers a Basic credential matching no token with 403 when passwords are disabled', () => {
    expect(catalog.basic_auth_disabled.status).toBe(403)
  })

  it('decides the cases the documentation leaves open', () => {
    expect(catalog.credentials_missing.status).toBe(401)
    expect(catalog.credentials_malformed.status).toBe(400)
    expect(catalog.store_unavailable.status).toBe(503)
    expect(catalog.store_unavailable.outcome).toBe('unavailable')
  })

  it('gives every entry a message, a status and a description', () => {
    for (const id of ids) {
      const entry = catalog[id]
      expect([id, entry.message.length > 0, entry.when.length > 0]).toEqual([id, true, true])
      expect(entry.status >= 400 && entry.status < 600).toBe(true)
      expect(entry.message).not.toMatch(/[\x00-\x1f"\\]/)
    }
  })
})

describe('errorBody', () => {
  it('has exactly the documented shape for every entry', () => {
    for (const id of ids) {
      expect(errorBody(id)).toBe(JSON.stringify({ error: { status: 'ERROR', message: catalog[id].message } }))
    }
  })

  it('appends a detail only to detailed entries', () => {
    expect(errorBody('token_request_invalid', 'name: expected a name')).toBe('{"error":{"status":"ERROR","message":"Invalid token request: name: expected a name"}}')
    expect(errorBody('token_request_invalid')).toBe('{"error":{"status":"ERROR","message":"Invalid token request"}}')
    expect(errorBody('api_token_invalid', 'leaked detail')).toBe('{"error":{"status":"ERROR","message":"Provided API key is invalid"}}')
  })

  it('escapes a detail as JSON', () => {
    expect(JSON.parse(errorBody('token_request_invalid', 'a "quoted"\nline')).error.message).toBe('Invalid token request: a "quoted"\nline')
  })
})

describe('errorHeaders', () => {
  const json = { 'content-type': 'application/json;charset=UTF-8' }

  it('sends an RFC 6750 challenge with an error code to Bearer credentials', () => {
    expect(errorHeaders('api_token_invalid', 'bearer', 'r')).toEqual({ ...json, 'www-authenticate': 'Bearer realm="r", error="invalid_token"' })
    expect(errorHeaders('credentials_malformed', 'bearer', 'r')).toEqual({ ...json, 'www-authenticate': 'Bearer realm="r", error="invalid_request"' })
    expect(errorHeaders('token_use_denied', 'bearer', 'r')).toEqual({ ...json, 'www-authenticate': 'Bearer realm="r", error="insufficient_scope"' })
    expect(errorHeaders('jwt_invalid', 'bearer', 'r')).toEqual({ ...json, 'www-authenticate': 'Bearer realm="r", error="invalid_token"' })
    expect(errorHeaders('store_unavailable', 'bearer', 'r')).toEqual({ ...json, 'www-authenticate': 'Bearer realm="r"' })
  })

  it('sends a Basic challenge on a 401 to Basic credentials, nothing on other statuses', () => {
    expect(errorHeaders('password_invalid', 'basic', 'r')).toEqual({ ...json, 'www-authenticate': 'Basic realm="r", charset="UTF-8"' })
    expect(errorHeaders('basic_auth_disabled', 'basic', 'r')).toEqual(json)
    expect(errorHeaders('store_unavailable', 'basic', 'r')).toEqual(json)
  })

  it('sends a bare Bearer challenge on a 401 without credentials, nothing on other statuses', () => {
    expect(errorHeaders('credentials_missing', 'none', 'portcullis')).toEqual({ ...json, 'www-authenticate': 'Bearer realm="portcullis"' })
    expect(errorHeaders('token_generation_denied', 'none', 'r')).toEqual(json)
    expect(errorHeaders('path_invalid', 'none', 'r')).toEqual(json)
  })

  it('sends a challenge with every 401', () => {
    for (const id of ids) {
      if (catalog[id].status !== 401) continue
      for (const scheme of ['bearer', 'basic', 'none'] as const) {
        expect([id, scheme, errorHeaders(id, scheme, 'r')['www-authenticate'] !== undefined]).toEqual([id, scheme, true])
      }
    }
  })
})
