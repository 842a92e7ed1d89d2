/**
 * An identity provider could not be asked (down, slow, or answering garbage). The
 * engine turns it into a 503 deny, never an allow; the message (never a secret) goes to
 * the log.
 */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError'
  readonly code = 'ERR_PORTCULLIS_PROVIDER_UNAVAILABLE'
}
