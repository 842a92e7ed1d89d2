/**
 * Synchronous SHA-256, hex. Every request hashes its token (API tokens for the store
 * lookup, JWTs and opaque tokens for the verified-token caches), so this sits on the hot
 * path: the runtime's native one-shot hash is 5–25× faster than a JavaScript one.
 *
 * Node (≥ 20.16) and Deno both offer `crypto.hash` through `process.getBuiltinModule`, a
 * lookup at run time rather than an import, so `core/` still imports nothing from `node:`
 * and loads unchanged where neither exists (browsers, Workers without Node compatibility),
 * falling back to @noble/hashes. Both produce the same digest; a test holds them to it.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'

type OneShotHash = (algorithm: 'sha256', data: string, encoding: 'hex') => string

/** SHA-256 of the UTF-8 bytes of `text`, in JavaScript: the fallback, exported for the agreement test. */
export function sha256HexPortable(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)))
}

function nativeHash(): OneShotHash | undefined {
  const host = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  try {
    const hash = (host?.getBuiltinModule?.('node:crypto') as { hash?: unknown } | undefined)?.hash
    if (typeof hash !== 'function') return undefined
    const oneShot = hash as OneShotHash
    // A runtime that names the function but answers differently is not trusted with tokens.
    return oneShot('sha256', 'abc', 'hex') === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' ? oneShot : undefined
  } catch {
    return undefined
  }
}

const native = nativeHash()

/** SHA-256 of the UTF-8 bytes of `text`, lowercase hex. */
export const sha256Hex: (text: string) => string = native ? (text) => native('sha256', text, 'hex') : sha256HexPortable

/** Which implementation {@link sha256Hex} uses here. */
export const sha256Implementation: 'native' | 'portable' = native ? 'native' : 'portable'
