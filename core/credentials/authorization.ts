/**
 * Strict parsing of the Authorization header (RFC 9110 §11.6.2, RFC 6750, RFC 7617).
 *
 * Runtimes disagree on odd input: Node keeps the first of two Authorization headers
 * where fetch joins them with ", "; Node's `Buffer` skips bad base64 characters; a
 * lenient UTF-8 decoder maps different bytes to one name. Portcullis picks one strict
 * reading everywhere: adapters hand over every Authorization header joined with ", " (as
 * fetch does), and anything that is not exactly one well-formed credential is malformed.
 */

/** The credentials a request offered. */
export type Credentials =
  | { readonly scheme: 'none' }
  | { readonly scheme: 'bearer'; readonly token: string }
  | { readonly scheme: 'basic'; readonly username: string; readonly secret: string }
  | { readonly scheme: 'malformed' }
  | { readonly scheme: 'unsupported' }

/** Longest Authorization header accepted; real credentials are far shorter. */
export const maxAuthorizationLength = 8192

const none: Credentials = { scheme: 'none' }
const malformed: Credentials = { scheme: 'malformed' }
const unsupported: Credentials = { scheme: 'unsupported' }

const printableAscii = /^[\x20-\x7e]*$/
const credentialsSyntax = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?: +(.*))?$/
const token68 = /^[A-Za-z0-9\-._~+/]+=*$/
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const controlChar = /[\x00-\x1f\x7f]/
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Reads the Authorization header value (every occurrence joined with ", "), or `null` when absent. */
export function parseAuthorization(value: string | null): Credentials {
  if (value === null) return none
  // The usual header, `Bearer <token68>`, read without the general grammar; the result is the one it would give.
  if (value.startsWith('Bearer ') && value.length <= maxAuthorizationLength && token68.test(value.slice(7))) return { scheme: 'bearer', token: value.slice(7) }
  if (value.length > maxAuthorizationLength || !printableAscii.test(value)) return malformed
  const match = credentialsSyntax.exec(value.trim())
  if (!match) return malformed
  const scheme = match[1]!.toLowerCase()
  const param = match[2] ?? ''
  if (scheme === 'bearer') return token68.test(param) ? { scheme: 'bearer', token: param } : malformed
  if (scheme === 'basic') return parseBasic(param)
  return unsupported
}

function parseBasic(param: string): Credentials {
  if (param === '' || !base64.test(param)) return malformed
  const binary = atob(param)
  // Non-canonical padding bits would let two encodings name one credential.
  if (btoa(binary) !== param) return malformed
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
  let decoded: string
  try {
    decoded = utf8.decode(bytes)
  } catch {
    return malformed
  }
  const colon = decoded.indexOf(':')
  if (colon <= 0 || colon === decoded.length - 1 || controlChar.test(decoded)) return malformed
  return { scheme: 'basic', username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}
