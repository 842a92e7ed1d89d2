import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sha256Hex, sha256HexPortable, sha256Implementation } from './sha256.ts'

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 test vectors', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1')
  })

  it('uses the native hash on Node and Deno', () => {
    expect(sha256Implementation).toBe('native')
  })

  it('agrees with the portable fallback on any text, including non-ASCII and lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expect(sha256Hex(text)).toBe(sha256HexPortable(text))
      }),
      { numRuns: 200 },
    )
  })
})
