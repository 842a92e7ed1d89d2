import type { AuditRecord, User } from '../storage/types.ts'
import type { ErrorId } from './errors/catalog.ts'

/** How an allowed request authenticated. */
export type AuthMethod = 'api-token' | 'password' | 'rest-sso' | 'host-token' | 'host-oauth' | 'jwt' | 'oauth'

/** Why a request was not judged by Portcullis. */
export type PassReason = 'disabled' | 'outside-prefix' | 'bypass' | 'anonymous'

/** The request is authenticated: run the host's handler as `user`. */
export interface Allow {
  readonly kind: 'allow'
  readonly user: User
  readonly via: AuthMethod
  /** The API token used, when `via` is `api-token`. */
  readonly tokenId?: string
  /**
   * Headers the adapter adds to the host's response: the RateLimit headers, so always
   * empty while `rateLimit.enabled` is off (an adapter may skip its response hook then).
   */
  readonly headers: Readonly<Record<string, string>>
  /** Allowed without a rate-limit check because its store failed (`rateLimit.onStoreFailure: "allow"`). */
  readonly degraded?: true
  readonly audit: AuditRecord
}

/** The request is refused: send `status`, `headers` and `body` exactly. */
export interface Deny {
  readonly kind: 'deny'
  readonly error: ErrorId
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** The exact JSON error body. */
  readonly body: string
  readonly audit: AuditRecord
}

/** Not Portcullis's to judge: run the host's handler without a user. */
export interface Pass {
  readonly kind: 'pass'
  readonly reason: PassReason
  readonly audit: AuditRecord
}

/** Portcullis answered the request itself (the token management API): send it as is. */
export interface Respond {
  readonly kind: 'respond'
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly audit: AuditRecord
}

/** What {@link authenticate} decides about a request. */
export type Decision = Allow | Deny | Pass

/** What `Portcullis.handle` decides: a decision, or a response to the token API. */
export type Outcome = Decision | Respond
