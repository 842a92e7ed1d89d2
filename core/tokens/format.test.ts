import { describe, expect, it } from 'vitest'
import { generateToken, generateTokenId, hashToken, isWellFormedToken, tokenLength, tokenPattern, tokenPrefix } from './format.ts'

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** The random part of a token read back as a number. */
function bodyValue(token: string): bigint {
  let value = 0n
  for (const c of token.slice(tokenPrefix.length, tokenPrefix.length + 33)) value = value * 62n + BigInt(alphabet.indexOf(c))
  return value
}

describe('generateToken', () => {
  it('makes a 43-character token with the pcl_ prefix', () => {
    const { token } = generateToken()
    expect(tokenPrefix).toBe('pcl_')
    expect(tokenLength).toBe(43)
    expect(token).toHaveLength(43)
    expect(token.startsWith('pcl_')).toBe(true)
    expect(token).toMatch(/^pcl_[0-9A-Za-z]{39}$/)
  })

  it('makes tokens that pass the format check', () => {
    for (let i = 0; i < 200; i++) expect(isWellFormedToken(generateToken().token)).toBe(true)
  })

  it('returns the hash to store: lowercase hex SHA-256 of the token', () => {
    const { token, hash } = generateToken()
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    expect(hash).toBe(hashToken(token))
    expect(hash).not.toContain(token.slice(tokenPrefix.length))
  })

  it('never repeats a token', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 2000; i++) seen.add(generateToken().token)
    expect(seen.size).toBe(2000)
  })

  it('draws at least 160 random bits: every one of 192 bits takes both values', () => {
    let ones = 0n
    let zeros = 0n
    const all = (1n << 192n) - 1n
    for (let i = 0; i < 256; i++) {
      const value = bodyValue(generateToken().token)
      expect(value < 1n << 192n).toBe(true)
      ones |= value
      zeros |= ~value & all
    }
    // Each bit was 1 in some token and 0 in another: 192 independent bits (chance of a
    // false failure: about 192 * 2^-255).
    expect(ones).toBe(all)
    expect(zeros).toBe(all)
  })
})

describe('isWellFormedToken', () => {
  const { token } = generateToken()

  it('rejects every single-character substitution', () => {
    let tried = 0
    for (let i = 0; i < token.length; i++) {
      for (const c of alphabet + '_') {
        if (c === token[i]) continue
        const typo = token.slice(0, i) + c + token.slice(i + 1)
        tried++
        if (isWellFormedToken(typo)) throw new Error(`accepted a typo at ${i}: ${c}`)
      }
    }
    expect(tried).toBe(43 * 62)
  })

  it('rejects every transposition of two adjacent different characters', () => {
    for (let i = tokenPrefix.length; i < token.length - 1; i++) {
      if (token[i] === token[i + 1]) continue
      const swapped = token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2)
      expect(isWellFormedToken(swapped)).toBe(false)
    }
  })

  it('rejects a truncated or extended token', () => {
    expect(isWellFormedToken(token.slice(0, -1))).toBe(false)
    expect(isWellFormedToken(token.slice(1))).toBe(false)
    expect(isWellFormedToken(`${token}0`)).toBe(false)
    expect(isWellFormedToken(`${token} `)).toBe(false)
    expect(isWellFormedToken(` ${token}`)).toBe(false)
    expect(isWellFormedToken('')).toBe(false)
  })

  it('rejects another prefix', () => {
    expect(isWellFormedToken(`PCL_${token.slice(4)}`)).toBe(false)
    expect(isWellFormedToken(`pcl-${token.slice(4)}`)).toBe(false)
  })

  it('rejects characters outside base62 even with the right length', () => {
    expect(isWellFormedToken(`${token.slice(0, 10)}-${token.slice(11)}`)).toBe(false)
    expect(isWellFormedToken(`${token.slice(0, 10)}é${token.slice(11)}`)).toBe(false)
  })

  it('rejects random strings of the right shape', () => {
    let accepted = 0
    for (let i = 0; i < 500; i++) {
      const candidate = `pcl_${Array.from({ length: 39 }, () => alphabet[Math.floor(Math.random() * 62)]).join('')}`
      if (isWellFormedToken(candidate)) accepted++
    }
    expect(accepted).toBe(0)
  })
})

describe('hashToken', () => {
  it('is SHA-256 in lowercase hex', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(hashToken('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  })
})

describe('tokenPattern', () => {
  it('finds a token in text, as a secret scanner would', () => {
    const { token } = generateToken()
    expect(`export TOKEN=${token}\n`.match(tokenPattern)?.[0]).toBe(token)
    expect(tokenPattern.test(`x${token}`)).toBe(false)
    expect(tokenPattern.test(token.slice(0, -1))).toBe(false)
  })
})

describe('generateTokenId', () => {
  it('makes distinct 13-character base62 ids', () => {
    const ids = new Set<string>()
    for (let i = 0; i < 1000; i++) {
      const id = generateTokenId()
      expect(id).toMatch(/^[0-9A-Za-z]{13}$/)
      ids.add(id)
    }
    expect(ids.size).toBe(1000)
  })
})
