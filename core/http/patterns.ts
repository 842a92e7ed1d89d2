/**
 * Path patterns of the bypass, anonymous and restricted lists.
 *
 * Syntax: an origin-form path whose segments are literal, `*` (exactly one segment) or,
 * as the last segment only, `**` (any number of segments, including none). Patterns are
 * normalised like request paths, so `/rest/api/2/serverInfo/` equals
 * `/rest/api/2/serverInfo`.
 *
 * A list that lets requests through (bypass, anonymous) matches case-sensitively and
 * never matches a path holding an encoded slash or backslash, so no other spelling of a
 * protected path can ride on one of its entries; a list that demands authentication
 * (restricted) matches case-insensitively, catching every spelling.
 */
import { encodedSeparator, normalizePath } from './path.ts'

/** Tests normalised segments against a compiled list. */
export type PathList = (segments: readonly string[]) => boolean

/** Whether a pattern follows the syntax (`*` whole segments, `**` last). */
export function isValidPattern(pattern: string): boolean {
  if (!pattern.startsWith('/') || /[?#]/.test(pattern)) return false
  const segments = normalizePath(pattern)
  if (!segments) return false
  return segments.every((s, i) => (s.includes('*') ? s === '*' || (s === '**' && i === segments.length - 1) : true))
}

/**
 * Compiles validated patterns once. `mode` is `"lets-through"` for bypass and anonymous
 * lists, `"demands-auth"` for the restricted list.
 */
export function compilePatterns(patterns: readonly string[], mode: 'lets-through' | 'demands-auth'): PathList {
  const foldCase = mode === 'demands-auth'
  const compiled = patterns.map((p) => {
    const segments = normalizePath(p)
    if (!segments || !isValidPattern(p)) throw new TypeError(`invalid path pattern: ${p}`)
    return foldCase ? segments.map((s) => s.toLowerCase()) : segments
  })
  if (compiled.length === 0) return () => false
  return (segments) => {
    if (!foldCase && segments.some((s) => encodedSeparator.test(s))) return false
    const path = foldCase ? segments.map((s) => s.toLowerCase()) : segments
    return compiled.some((pattern) => matches(pattern, path))
  }
}


function matches(pattern: readonly string[], path: readonly string[]): boolean {
  const last = pattern.length - 1
  if (pattern[last] === '**') {
    if (path.length < last) return false
  } else if (path.length !== pattern.length) {
    return false
  }
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '**') return true
    if (pattern[i] !== '*' && pattern[i] !== path[i]) return false
  }
  return true
}
