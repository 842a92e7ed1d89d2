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

/** Texts a native hash must agree on with the portable one before it is trusted with tokens: ASCII, Latin-1, BMP and astral. */
const probes = ['abc', 'pcl_0123456789', 'é', '日本', '🔑']

function nativeHash(): OneShotHash | undefined {
  try {
    const host = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    const hash = (host?.getBuiltinModule?.('node:crypto') as { hash?: unknown } | undefined)?.hash
    if (typeof hash !== 'function') return undefined
    const oneShot = hash as OneShotHash
    // A polyfill that names the function but encodes text otherwise (Latin-1, say) is not used.
    return probes.every((text) => oneShot('sha256', text, 'hex') === sha256HexPortable(text)) ? oneShot : undefined
  } catch {
    return undefined
  }
}

const native = nativeHash()

/** SHA-256 of the UTF-8 bytes of `text`, lowercase hex. */
export const sha256Hex: (text: string) => string = native ? (text) => native('sha256', text, 'hex') : sha256HexPortable

/** Which implementation {@link sha256Hex} uses here. */
export const sha256Implementation: 'native' | 'portable' = native ? 'native' : 'portable'
