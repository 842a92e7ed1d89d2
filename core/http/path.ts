/**
 * Request-path normalisation. Every path rule (the protected prefix, the bypass,
 * anonymous and restricted lists) is matched on the output of {@link normalizePath}, so
 * that no spelling of a path (`//rest`, `/%72est`, `/rest;jsessionid=1`, `/REST`) slips
 * past a rule the host's router would still route to; a spelling routers read
 * differently (dot segments) is refused outright.
 */

const hex = /^[0-9A-Fa-f]{2}$/
const unreserved = /[A-Za-z0-9\-._~]/

/** An encoded slash or backslash, as {@link normalizePath} keeps them (upper-case hex). */
export const encodedSeparator = /%2F|%5C/

/**
 * Splits a request target into normalised path segments, or returns `null` when the
 * target is not a path a rule can be matched against: not origin- or absolute-form, a
 * bad percent-escape, or a dot segment (`.`, `..`, `%2e%2E`, `..;x`) anywhere.
 *
 * Query and fragment are dropped; `\` separates segments as `/` does (WHATWG URL parsing,
 * which many routers use, reads it so); `;` parameters are cut from each segment; escapes of
 * unreserved characters are decoded and every other escape is kept with upper-case hex,
 * so an encoded slash (`%2F`) never becomes a separator; empty segments are dropped.
 * Case is kept: each matcher decides.
 */
export function normalizePath(target: string): string[] | null {
  let path = target
  if (!path.startsWith('/')) {
    if (!/^https?:\/\//i.test(path) || !URL.canParse(path)) return null
    // The raw path after the authority: URL's pathname has resolved dot segments its own way.
    path = path.slice(/^https?:\/\/[^/\\?#]*/i.exec(path)![0].length)
  }
  path = beforeQuery(path)

  const out: string[] = []
  // A string split is several times cheaper than a regular-expression one, and almost no path holds a backslash.
  for (const raw of path.includes('\\') ? path.split(/[\\/]/) : path.split('/')) {
    const semi = raw.indexOf(';')
    const segment = decodeUnreserved(semi === -1 ? raw : raw.slice(0, semi))
    // Dot segments are refused, not resolved: routers disagree on them (Express and Koa
    // route on the raw path, WHATWG URL resolves `..;x` and `a//..` its own way, a router
    // decoding `%2F` counts other segments), so no single reading is safe to match.
    // Browsers and HTTP clients resolve them before sending, so no real client sends one.
    if (segment === null || segment === '.' || segment === '..') return null
    if (segment !== '') out.push(segment)
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

/** The path of a target without its query and fragment. */
function beforeQuery(target: string): string {
  const query = target.indexOf('?')
  const fragment = target.indexOf('#')
  const end = query === -1 ? fragment : fragment === -1 ? query : Math.min(query, fragment)
  return end === -1 ? target : target.slice(0, end)
}

const plainPath = /^(?:\/[^/\\;%]+)*\/?$/

/**
 * Whether a target's path is spelled plainly: no percent-escape, `;` parameter, backslash
 * or empty segment. Lists that let requests through (bypass, anonymous) only apply to
 * plain paths: a router that does not decode `%49` or cut `;x` would route
 * `/api/serverInfo;x` to another route (`/api/:key`) than the one the entry names.
 */
export function isPlainPath(target: string): boolean {
  const path = target.startsWith('/') ? target : target.slice(/^https?:\/\/[^/\\?#]*/i.exec(target)?.[0].length ?? target.length)
  return plainPath.test(beforeQuery(path))
}

/** Tests whether normalised segments fall under a configured prefix. */
export interface PrefixMatcher {
  (segments: readonly string[]): boolean
}

/**
 * Compiles a prefix such as `/rest/` into a matcher. Matching is case-insensitive and,
 * when a segment holds an encoded slash or backslash, also tried with those decoded:
 * a router that decodes them must not reach a protected path unauthenticated.
 */
export function compilePrefix(prefix: string): PrefixMatcher {
  const wanted = prefix.split('/').filter(Boolean).map((s) => s.toLowerCase())
  // A loop, not `every`: a callback would be one more closure per request.
  const startsWith = (segments: readonly string[]) => {
    if (segments.length < wanted.length) return false
    for (let i = 0; i < wanted.length; i++) if (segments[i]!.toLowerCase() !== wanted[i]) return false
    return true
  }
  return (segments) => {
    if (startsWith(segments)) return true
    if (!segments.some((s) => encodedSeparator.test(s))) return false
    // Decode the separators and normalise again, so `/x%2F..%2Frest` meets the prefix as a decoding router would.
    // `null` here means the decoded path is ambiguous (its escapes were valid): protect it.
    const decoded = normalizePath(`/${segments.join('/').replace(/%2F|%5C/g, '/')}`)
    return decoded === null || startsWith(decoded)
  }
}
