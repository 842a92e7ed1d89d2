/**
 * Password hashing with PBKDF2-HMAC-SHA-256 from Web Crypto, so it runs unchanged on
 * Node, Deno and edge runtimes. Encoded as `pbkdf2-sha256$<iterations>$<salt>$<hash>`
 * (base64url), so the work factor can rise without invalidating stored hashes.
 */

/** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA-256. */
export const defaultIterations = 600_000
const saltBytes = 16
const hashBits = 256
const encoder = new TextEncoder()

/**
 * Hashes a password for storage.
 *
 * @example
 * ```ts
 * const stored = await hashPassword('correct horse battery staple')
 * await verifyPassword('correct horse battery staple', stored) // true
 * ```
 */
export async function hashPassword(password: string, iterations = defaultIterations): Promise<string> {
  if (!Number.isInteger(iterations) || iterations < 1) throw new TypeError('iterations: expected a positive integer')
  const salt = crypto.getRandomValues(new Uint8Array(saltBytes))
  const hash = await derive(password, salt, iterations)
  return `pbkdf2-sha256$${iterations}$${toBase64Url(salt)}$${toBase64Url(hash)}`
}

/**
 * Checks a password against a stored hash in constant time. A stored value that is not a
 * hash from {@link hashPassword} never verifies.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 4 || parts[0] !== 'pbkdf2-sha256') return false
  const iterations = Number(parts[1])
  const salt = fromBase64Url(parts[2]!)
  const expected = fromBase64Url(parts[3]!)
  if (!Number.isInteger(iterations) || iterations < 1 || !salt || !expected || expected.length !== hashBits / 8) return false
  const actual = await derive(password, salt, iterations)
  let diff = 0
  for (let i = 0; i < actual.length; i++) diff |= actual[i]! ^ expected[i]!
  return diff === 0
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveBits'])
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, hashBits))
}

function toBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  // A length of 4n+1 is not base64 at all (`atob` would throw).
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return undefined
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4))
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}
