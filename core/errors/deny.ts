import { escapeControl, type RequestFields } from '../audit/record.ts'
import type { Config } from '../config/load.ts'
import type { Deny } from '../decision.ts'
import { catalog, errorBody, errorHeaders, type CredentialScheme, type ErrorId } from './catalog.ts'

/**
 * Builds a deny decision for a catalog error. `detail` extends the message of a
 * `detailed` entry and is kept in the audit record for every entry (never a secret).
 */
export function deny(error: ErrorId, scheme: CredentialScheme, fields: RequestFields, config: Config, user?: string, detail?: string): Deny {
  const entry = catalog[error]
  return {
    kind: 'deny',
    error,
    status: entry.status,
    headers: errorHeaders(error, scheme, config.realm),
    body: errorBody(error, detail),
    audit: {
      ...fields,
      event: 'authenticate',
      outcome: entry.outcome,
      reason: error,
      ...(user !== undefined && { user }),
      ...(detail !== undefined && { detail: escapeControl(detail) }),
    },
  }
}
