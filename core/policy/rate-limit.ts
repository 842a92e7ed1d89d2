/**
 * Per-token rate limits: at most `limit` requests in any window of `windowSeconds`
 * (a sliding window log, exact: unlike fixed windows it never lets twice the limit
 * through across a window boundary, and unlike a token bucket it never exceeds the
 * limit in any window). The store keeps the accepted requests' times and consumes
 * atomically; this module picks the key and writes the headers.
 */
import type { RateLimitResult } from '../../storage/types.ts'

/**
 * The key a request is counted under: the API token when one was used, otherwise the
 * user (password logins and other methods).
 */
export function rateLimitKey(username: string, tokenId: string | undefined): string {
  return tokenId === undefined ? `user:${username}` : `token:${tokenId}`
}

/** The `RateLimit-Policy` header value of a limit: the same for every request, so computed once at load. */
export function rateLimitPolicy(limit: number, windowSeconds: number): string {
  return `"default";q=${limit};w=${windowSeconds}`
}

/**
 * The IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers) for a result, plus
 * `Retry-After` when refused. `t` is when the next slot frees, in whole seconds rounded up.
 */
export function rateLimitHeaders(result: RateLimitResult, policy: string): Record<string, string> {
  const seconds = Math.max(0, Math.ceil(result.resetMs / 1000))
  const headers: Record<string, string> = {
    'ratelimit-policy': policy,
    ratelimit: `"default";r=${result.remaining};t=${seconds}`,
  }
  if (!result.allowed) headers['retry-after'] = String(Math.max(1, seconds))
  return headers
}
