/** Reads one request header; the web `Headers` class fits. */
export interface HeaderReader {
  /** The header's value, every occurrence joined with ", " as fetch does, or `null`. */
  get(name: string): string | null
}

/** A framework-neutral HTTP request, as an adapter hands it to the engine. */
export interface AuthRequest {
  /** HTTP method, upper case. */
  readonly method: string
  /** The request target as received: raw path and query (`/rest/api/2/myself?expand=x`). */
  readonly target: string
  readonly headers: HeaderReader
  /** Address of the TCP peer (for a proxied request, the proxy). */
  readonly peer: string
  /**
   * Reads the request body as UTF-8 text. Only the token management API calls it; the
   * adapter throws for a body over {@link maxBodyBytes} or one that is not valid UTF-8.
   */
  readonly body?: () => Promise<string>
}

/** Largest request body the token API reads. */
export const maxBodyBytes = 16 * 1024
