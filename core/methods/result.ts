import type { User } from '../../storage/types.ts'
import type { AuthMethod } from '../decision.ts'
import type { ErrorId } from '../errors/catalog.ts'

/** What an authentication method concludes about a credential. */
export type MethodResult =
  | { readonly ok: true; readonly user: User; readonly via: AuthMethod; readonly tokenId?: string }
  | {
      readonly ok: false
      readonly error: ErrorId
      readonly user?: string
      /** Why, for the log (never a secret). */
      readonly detail?: string
      /** Extra response headers (Retry-After). */
      readonly headers?: Readonly<Record<string, string>>
      /** A provider refused the user's own credentials (counted by the login throttle). */
      readonly countsAsFailure?: true
    }
