import { catalog, errorBody, errorHeaders, type CredentialScheme, type ErrorId } from '../../core/index.ts'
import { echoResponse, type ScenarioExpectation } from '../types.ts'

/** The exact deny response for a catalog error, as the catalog defines it. */
export function denied(error: ErrorId, scheme: CredentialScheme, detail?: string, realm = 'portcullis'): ScenarioExpectation {
  const headers = errorHeaders(error, scheme, realm)
  return {
    status: catalog[error].status,
    body: errorBody(error, detail),
    headers,
    ...(!('www-authenticate' in headers) && { absentHeaders: ['www-authenticate'] }),
  }
}

/** The host handler ran as `user`, authenticated by `via`. */
export function allowed(user: string, via: string): ScenarioExpectation {
  return { status: 200, body: echoResponse({ user: { username: user } as never, via: via as never }) }
}

/** The host handler ran without a user. */
export const passed: ScenarioExpectation = { status: 200, body: echoResponse(undefined) }

/** `Authorization: Bearer <token>`. */
export function bearer(token: string): readonly [string, string] {
  return ['Authorization', `Bearer ${token}`]
}

/** `Authorization: Basic base64(utf8(user:secret))`. */
export function basic(user: string, secret: string): readonly [string, string] {
  return ['Authorization', `Basic ${base64(new TextEncoder().encode(`${user}:${secret}`))}`]
}

/** Standard base64 of bytes. */
export function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
}

/** A JSON body check: parses it and runs `check`, which returns a problem or undefined. */
export function json(check: (value: Record<string, unknown>) => string | undefined): (body: string) => string | undefined {
  return (body) => {
    let value: unknown
    try {
      value = JSON.parse(body)
    } catch {
      return 'body is not JSON'
    }
    if (typeof value !== 'object' || value === null) return 'body is not a JSON object or array'
    return check(value as Record<string, unknown>)
  }
}
