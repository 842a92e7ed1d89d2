/**
 * Request-path normalisation. Every path rule (the protected prefix now; bypass and
 * public lists later) is matched on the output of {@link normalizePath}, so that no
 * spelling of a path (`//rest`, `/x/../rest`, `/%72est`, `/rest;jsessionid=1`) slips
 * past a rule the host's router would still route to.
 */

const hex = /^[0-9A-Fa-f]{2}$/
const unreserved = /[A-Za-z0-9\-._~]/

/**
 * Splits a request target into normalised path segments, or returns `null` when the
 * target is not a path a rule can be matched against (not origin- or absolute-form, or
 * a bad percent-escape).
 *
 * Query and fragment are dropped; `\` separates segments as `/` does (WHATWG URL parsing,
 * which many routers use, reads it so); `;` parameters are cut from each segment; escapes of
 * unreserved characters are decoded and every other escape is kept with upper-case hex,
 * so an encoded slash (`%2F`) never becomes a separator; empty and `.` segments are
 * dropped and `..` removes the segment before it. Case is kept: each matcher decides.
 */
export function normalizePath(target: string): string[] | null {
  let path = target
  if (!path.startsWith('/')) {
    if (!/^https?:\/\//i.test(path) || !URL.canParse(path)) return null
    path = new URL(path).pathname
  }
  const end = path.search(/[?#]/)
  if (end !== -1) path = path.slice(0, end)

  const out: string[] = []
  for (const raw of path.split(/[\\/]/)) {
    const semi = raw.indexOf(';')
    const segment = decodeUnreserved(semi === -1 ? raw : raw.slice(0, semi))
    if (segment === null) return null
    if (segment === '' || segment === '.') continue
    if (segment === '..') out.pop()
    else out.push(segment)
  }
  return out
}

function decodeUnreserved(segment: string): string | null {
  if (!segment.includes('%')) return segment
  let out = ''
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!
    if (c !== '%') {
      out += c
      continue
    }
    const pair = segment.slice(i + 1, i + 3)
    if (!hex.test(pair)) return null
    const decoded = String.fromCharCode(parseInt(pair, 16))
    out += unreserved.test(decoded) ? decoded : `%${pair.toUpperCase()}`
    i += 2
  }
  return out
}

/** Tests whether normalised segments fall under a configured prefix. */
export interface PrefixMatcher {
  (segments: readonly string[]): boolean
}

const encodedSeparator = /%2F|%5C/

/**
 * Compiles a prefix such as `/rest/` into a matcher. Matching is case-insensitive and,
 * when a segment holds an encoded slash or backslash, also tried with those decoded:
 * a router that decodes them must not reach a protected path unauthenticated.
 */
export function compilePrefix(prefix: string): PrefixMatcher {
  const wanted = prefix.split('/').filter(Boolean).map((s) => s.toLowerCase())
  const startsWith = (segments: readonly string[]) =>
    segments.length >= wanted.length && wanted.every((w, i) => segments[i]!.toLowerCase() === w)
  return (segments) => {
    if (startsWith(segments)) return true
    if (!segments.some((s) => encodedSeparator.test(s))) return false
    // Decode the separators and normalise again, so `/x%2F..%2Frest` meets the prefix as a decoding router would.
    const decoded = normalizePath(`/${segments.join('/').replace(/%2F|%5C/g, '/')}`)
    return decoded !== null && startsWith(decoded)
  }
}
