import { describe, expect, it } from 'vitest'
import { maxAuthorizationLength, parseAuthorization } from './authorization.ts'

/** Base64 of a string's UTF-8 bytes. */
const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)))
/** Base64 of raw bytes. */
const b64Bytes = (...bytes: number[]) => btoa(String.fromCharCode(...bytes))

describe('parseAuthorization', () => {
  it('reads a missing header as no credentials', () => {
    expect(parseAuthorization(null)).toEqual({ scheme: 'none' })
  })

  describe('Bearer', () => {
    it('returns the token', () => {
      expect(parseAuthorization('Bearer pcl_abc123')).toEqual({ scheme: 'bearer', token: 'pcl_abc123' })
    })

    it('matches the scheme case-insensitively', () => {
      expect(parseAuthorization('bearer abc')).toEqual({ scheme: 'bearer', token: 'abc' })
      expect(parseAuthorization('BEARER abc')).toEqual({ scheme: 'bearer', token: 'abc' })
    })

    it('accepts every token68 character and trailing padding', () => {
      expect(parseAuthorization('Bearer aZ09-._~+/==')).toEqual({ scheme: 'bearer', token: 'aZ09-._~+/==' })
    })

    it('tolerates several spaces after the scheme and surrounding spaces', () => {
      expect(parseAuthorization('  Bearer   abc  ')).toEqual({ scheme: 'bearer', token: 'abc' })
    })

    it('is malformed without a token', () => {
      expect(parseAuthorization('Bearer')).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization('Bearer ')).toEqual({ scheme: 'malformed' })
    })

    it('is malformed when the token has characters outside token68', () => {
      expect(parseAuthorization('Bearer a b')).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization('Bearer a,b')).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization('Bearer =abc')).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization('Bearer ab=c')).toEqual({ scheme: 'malformed' })
    })

    it('is malformed when the scheme is not followed by a space', () => {
      expect(parseAuthorization('Bearer\tabc')).toEqual({ scheme: 'malformed' })
    })
  })

  describe('Basic', () => {
    it('splits username and secret', () => {
      expect(parseAuthorization(`Basic ${b64('alice:s3cret')}`)).toEqual({ scheme: 'basic', username: 'alice', secret: 's3cret' })
    })

    it('matches the scheme case-insensitively', () => {
      expect(parseAuthorization(`basic ${b64('alice:pw')}`)).toEqual({ scheme: 'basic', username: 'alice', secret: 'pw' })
    })

    it('splits on the first colon, so a password may contain colons', () => {
      expect(parseAuthorization(`Basic ${b64('alice:a:b::c')}`)).toEqual({ scheme: 'basic', username: 'alice', secret: 'a:b::c' })
    })

    it('decodes UTF-8 names and passwords', () => {
      expect(parseAuthorization(`Basic ${b64('zoë:pässwörd✓')}`)).toEqual({ scheme: 'basic', username: 'zoë', secret: 'pässwörd✓' })
    })

    it('is malformed without a parameter', () => {
      expect(parseAuthorization('Basic')).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization('Basic    ')).toEqual({ scheme: 'malformed' })
    })

    it('is malformed for characters outside base64', () => {
      expect(parseAuthorization('Basic YWxp*2U6cHc=')).toEqual({ scheme: 'malformed' })
      // base64url is not base64: "u:???" is "dTo/Pz8=" in base64, "dTo_Pz8=" in base64url.
      expect(b64('u:???')).toBe('dTo/Pz8=')
      expect(parseAuthorization('Basic dTo/Pz8=')).toEqual({ scheme: 'basic', username: 'u', secret: '???' })
      expect(parseAuthorization('Basic dTo_Pz8=')).toEqual({ scheme: 'malformed' })
    })

    it('is malformed for a wrong length or missing padding', () => {
      const full = b64('alice:pw') // "YWxpY2U6cHc="
      expect(full.endsWith('=')).toBe(true)
      expect(parseAuthorization(`Basic ${full.slice(0, -1)}`)).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization(`Basic ${full}=`)).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization('Basic YWxpY')).toEqual({ scheme: 'malformed' })
    })

    it('is malformed for non-canonical padding bits', () => {
      // "dTphYg==" is "u:ab"; "dTphYh==" decodes to the same bytes with non-zero padding bits.
      expect(b64('u:ab')).toBe('dTphYg==')
      expect(atob('dTphYh==')).toBe('u:ab')
      expect(parseAuthorization('Basic dTphYg==')).toEqual({ scheme: 'basic', username: 'u', secret: 'ab' })
      expect(parseAuthorization('Basic dTphYh==')).toEqual({ scheme: 'malformed' })
      // The same with one padding character: "dTphYmM=" is "u:abc".
      expect(parseAuthorization('Basic dTphYmM=')).toEqual({ scheme: 'basic', username: 'u', secret: 'abc' })
      expect(parseAuthorization('Basic dTphYmN=')).toEqual({ scheme: 'malformed' })
    })

    it('is malformed when the bytes are not UTF-8', () => {
      expect(parseAuthorization(`Basic ${b64Bytes(0x61, 0x3a, 0xff)}`)).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization(`Basic ${b64Bytes(0xff)}`)).toEqual({ scheme: 'malformed' })
      // Latin-1 "é" (0xe9) alone is not UTF-8 either: no lenient decoding.
      expect(parseAuthorization(`Basic ${b64Bytes(0x7a, 0x6f, 0xe9, 0x3a, 0x70)}`)).toEqual({ scheme: 'malformed' })
    })

    it('keeps a leading byte-order mark as part of the username', () => {
      const parsed = parseAuthorization(`Basic ${b64('\ufeffalice:pw')}`)
      expect(parsed).toEqual({ scheme: 'basic', username: '\ufeffalice', secret: 'pw' })
    })

    it('is malformed for an empty username', () => {
      expect(parseAuthorization(`Basic ${b64(':pw')}`)).toEqual({ scheme: 'malformed' })
    })

    it('is malformed for an empty secret', () => {
      expect(parseAuthorization(`Basic ${b64('alice:')}`)).toEqual({ scheme: 'malformed' })
    })

    it('is malformed without a colon', () => {
      expect(parseAuthorization(`Basic ${b64('alicepw')}`)).toEqual({ scheme: 'malformed' })
    })

    it('is malformed when the decoded text holds control characters', () => {
      expect(parseAuthorization(`Basic ${b64('ali\nce:pw')}`)).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization(`Basic ${b64('alice:p\x00w')}`)).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization(`Basic ${b64('alice:pw\x7f')}`)).toEqual({ scheme: 'malformed' })
    })
  })

  describe('a header that is not exactly one credential', () => {
    it('is malformed when two Bearer headers were joined with ", "', () => {
      expect(parseAuthorization('Bearer abc, Bearer def')).toEqual({ scheme: 'malformed' })
    })

    it('is malformed when two Basic headers were joined with ", "', () => {
      expect(parseAuthorization(`Basic ${b64('alice:pw')}, Basic ${b64('bob:pw')}`)).toEqual({ scheme: 'malformed' })
    })

    it('is malformed when a Basic and a Bearer header were joined', () => {
      expect(parseAuthorization(`Bearer abc, Basic ${b64('bob:pw')}`)).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization(`Basic ${b64('bob:pw')}, Bearer abc`)).toEqual({ scheme: 'malformed' })
    })

    it('is malformed when an empty header was joined to a credential', () => {
      expect(parseAuthorization(', Bearer abc')).toEqual({ scheme: 'malformed' })
    })

    it('is malformed for an empty or blank header', () => {
      expect(parseAuthorization('')).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization('   ')).toEqual({ scheme: 'malformed' })
    })
  })

  describe('size and characters', () => {
    it(`accepts a header of exactly ${maxAuthorizationLength} characters`, () => {
      const value = `Bearer ${'a'.repeat(maxAuthorizationLength - 'Bearer '.length)}`
      expect(value).toHaveLength(maxAuthorizationLength)
      expect(parseAuthorization(value)).toEqual({ scheme: 'bearer', token: value.slice(7) })
    })

    it(`is malformed beyond ${maxAuthorizationLength} characters`, () => {
      expect(maxAuthorizationLength).toBe(8192)
      const value = `Bearer ${'a'.repeat(maxAuthorizationLength - 'Bearer '.length + 1)}`
      expect(parseAuthorization(value)).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization(`Basic ${b64(`alice:${'x'.repeat(7000)}`)}`)).toEqual({ scheme: 'malformed' })
    })

    it('is malformed for non-ASCII characters in the header itself', () => {
      expect(parseAuthorization('Bearer abcé')).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization('Bearer abc\u00a0')).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization('Bearér abc')).toEqual({ scheme: 'malformed' })
    })

    it('is malformed for control characters in the header', () => {
      expect(parseAuthorization('Bearer abc\r\nX-Evil: 1')).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization('Bearer a\x00bc')).toEqual({ scheme: 'malformed' })
    })
  })

  describe('other schemes', () => {
    it('reports a well-formed unknown scheme as unsupported', () => {
      expect(parseAuthorization('Digest username="alice", realm="x"')).toEqual({ scheme: 'unsupported' })
      expect(parseAuthorization('Negotiate YIIB')).toEqual({ scheme: 'unsupported' })
      expect(parseAuthorization('Token abc')).toEqual({ scheme: 'unsupported' })
    })

    it('reports a bare unknown scheme as unsupported', () => {
      expect(parseAuthorization('Hoba')).toEqual({ scheme: 'unsupported' })
    })

    it('is malformed when the scheme is not an HTTP token', () => {
      expect(parseAuthorization('Bear(er abc')).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization('1Bearer abc')).toEqual({ scheme: 'malformed' })
      expect(parseAuthorization('"Bearer" abc')).toEqual({ scheme: 'malformed' })
    })
  })
})
