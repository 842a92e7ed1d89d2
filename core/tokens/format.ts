/**
 * The API token format: `pcl_` + 33 base62 characters (192 bits from the CSPRNG) + a
 * 6-character base62 CRC-32 of everything before it. 43 characters in all.
 *
 * The prefix and checksum let a mistyped or truncated token be refused without a store
 * lookup, and let secret scanners match `pcl_[0-9A-Za-z]{39}` and confirm a hit offline.
 *
 * Only `hashToken(token)` is stored: a plain, unkeyed SHA-256. A slow or keyed hash
 * protects low-entropy secrets; a 192-bit random token cannot be brute-forced from its
 * SHA-256, so a leaked store yields no usable token, while every request stays one fast
 * hash and instances sharing a store need no shared pepper.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { sha256Hex } from '../crypto/sha256.ts'

/** The prefix every Portcullis API token starts with. */
export const tokenPrefix = 'pcl_'
const randomBytes = 24
const bodyLength = 33
const checksumLength = 6
/** Length of a token. */
export const tokenLength = tokenPrefix.length + bodyLength + checksumLength
/** A pattern for secret scanners. */
export const tokenPattern = /\bpcl_[0-9A-Za-z]{39}\b/

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const base62Char = /^[0-9A-Za-z]+$/

/** A fresh token and the hash to store for it. The token is shown once and never stored. */
export function generateToken(): { token: string; hash: string } {
  const bytes = crypto.getRandomValues(new Uint8Array(randomBytes))
  const token = tokenFromBody(base62(BigInt(`0x${bytesToHex(bytes)}`), bodyLength))
  return { token, hash: hashToken(token) }
}

/**
 * The token with a given 33-character base62 body: for fixtures and tests that need the
 * same token in several processes. Never use a body that is not from a CSPRNG in production.
 */
export function tokenFromBody(body: string): string {
  if (body.length !== bodyLength || !base62Char.test(body)) throw new TypeError(`body: expected ${bodyLength} base62 characters`)
  return tokenPrefix + body + checksum(tokenPrefix + body)
}

/** Whether a string has the token's shape and a correct checksum (no store involved). */
export function isWellFormedToken(candidate: string): boolean {
  return (
    candidate.length === tokenLength &&
    candidate.startsWith(tokenPrefix) &&
    base62Char.test(candidate.slice(tokenPrefix.length)) &&
    candidate.slice(-checksumLength) === checksum(candidate.slice(0, -checksumLength))
  )
}

/** The stored form of a token: lowercase hex SHA-256. */
export function hashToken(token: string): string {
  return sha256Hex(token)
}

/** A random public identifier, used to name a token in the management API and audit log. */
export function generateTokenId(): string {
  return base62(BigInt(`0x${bytesToHex(crypto.getRandomValues(new Uint8Array(9)))}`), 13)
}

function base62(value: bigint, width: number): string {
  let out = ''
  for (let v = value; v > 0n; v /= 62n) out = alphabet[Number(v % 62n)] + out
  return out.padStart(width, '0')
}

/** The base62 CRC-32 of the token body; plain number arithmetic, it runs on every request. */
function checksum(body: string): string {
  let out = ''
  for (let v = crc32(body), i = 0; i < checksumLength; i++, v = Math.floor(v / 62)) out = alphabet[v % 62] + out
  return out
}

const crcTable = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

/** CRC-32 (IEEE) of an ASCII string. */
function crc32(ascii: string): number {
  let crc = 0xffffffff
  for (let i = 0; i < ascii.length; i++) crc = crcTable[(crc ^ ascii.charCodeAt(i)) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}
