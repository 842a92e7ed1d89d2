import { describe, expect, it } from 'vitest'
import { defaultIterations, hashPassword, verifyPassword } from './password.ts'

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16))

describe('hashPassword', () => {
  it('encodes algorithm, iterations, salt and hash', async () => {
    const stored = await hashPassword('s3cret', 1000)
    expect(stored).toMatch(/^pbkdf2-sha256\$1000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    expect(stored).not.toContain('s3cret')
  })

  it('uses a fresh salt each time', async () => {
    const a = await hashPassword('same', 1000)
    const b = await hashPassword('same', 1000)
    expect(a).not.toBe(b)
    expect(a.split('$')[2]).not.toBe(b.split('$')[2])
  })

  it("defaults to OWASP's 600 000 iterations", () => {
    expect(defaultIterations).toBe(600_000)
  })

  it('throws a TypeError for an iteration count that is not a positive integer', async () => {
    for (const iterations of [0, -1, 1.5, Number.NaN]) {
      await expect(hashPassword('x', iterations)).rejects.toThrow(TypeError)
    }
  })
})

describe('verifyPassword', () => {
  it('accepts the right password and refuses others', async () => {
    const stored = await hashPassword('correct horse', 1000)
    expect(await verifyPassword('correct horse', stored)).toBe(true)
    expect(await verifyPassword('correct hors', stored)).toBe(false)
    expect(await verifyPassword('Correct horse', stored)).toBe(false)
    expect(await verifyPassword('', stored)).toBe(false)
  })

  it('handles empty and non-ASCII passwords', async () => {
    const empty = await hashPassword('', 1000)
    expect(await verifyPassword('', empty)).toBe(true)
    expect(await verifyPassword(' ', empty)).toBe(false)
    const unicode = await hashPassword('pässwörd✓🔑', 1000)
    expect(await verifyPassword('pässwörd✓🔑', unicode)).toBe(true)
    expect(await verifyPassword('passwörd✓🔑', unicode)).toBe(false)
  })

  it('matches the PBKDF2-HMAC-SHA-256 test vector of RFC 7914', async () => {
    // RFC 7914 §11: P="passwd", S="salt", c=1; the first 32 bytes of the derived key.
    const dk = fromHex('55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc')
    const stored = `pbkdf2-sha256$1$${b64url(new TextEncoder().encode('salt'))}$${b64url(dk)}`
    expect(await verifyPassword('passwd', stored)).toBe(true)
    expect(await verifyPassword('passwe', stored)).toBe(false)
  })

  it('uses the iteration count written in the stored value', async () => {
    const stored = await hashPassword('pw', 1000)
    expect(await verifyPassword('pw', stored.replace('$1000$', '$1001$'))).toBe(false)
  })

  it('refuses a tampered salt or hash', async () => {
    const stored = await hashPassword('pw', 1000)
    const [alg, iterations, salt, hash] = stored.split('$') as [string, string, string, string]
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1)
    expect(await verifyPassword('pw', [alg, iterations, flip(salt), hash].join('$'))).toBe(false)
    expect(await verifyPassword('pw', [alg, iterations, salt, flip(hash)].join('$'))).toBe(false)
  })

  it('returns false, never throws, for a stored value that is not one of its hashes', async () => {
    const good = await hashPassword('pw', 1000)
    const [, , salt, hash] = good.split('$') as [string, string, string, string]
    for (const stored of [
      '',
      'pw',
      '$$$',
      `bcrypt$1000$${salt}$${hash}`,
      `pbkdf2-sha256$1000$${salt}`,
      `pbkdf2-sha256$1000$${salt}$${hash}$x`,
      `pbkdf2-sha256$0$${salt}$${hash}`,
      `pbkdf2-sha256$-5$${salt}$${hash}`,
      `pbkdf2-sha256$1.5$${salt}$${hash}`,
      `pbkdf2-sha256$abc$${salt}$${hash}`,
      `pbkdf2-sha256$$${salt}$${hash}`,
      `pbkdf2-sha256$1000$$${hash}`,
      `pbkdf2-sha256$1000$${salt}$`,
      `pbkdf2-sha256$1000$${salt}$${hash.slice(0, -4)}`,
      `pbkdf2-sha256$1000$${salt}$${hash}AAAA`,
      `pbkdf2-sha256$1000$sa+t/=$${hash}`,
      `pbkdf2-sha256$1000$${salt}$${hash.slice(0, -1)}=`,
      // Lengths that are not base64 at all (one character left over).
      `pbkdf2-sha256$1000$A$${hash}`,
      `pbkdf2-sha256$1000$${salt}A$${hash}`,
      `pbkdf2-sha256$1000$${salt}$${hash}A`,
    ]) {
      await expect(verifyPassword('pw', stored)).resolves.toBe(false)
    }
  })
})
