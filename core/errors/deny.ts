import type { AuditRecord } from '../../storage/types.ts'
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
  // Built by assignment: conditional spreads are slow, and a flood of bad credentials is all denies.
  const audit: { -readonly [K in keyof AuditRecord]: AuditRecord[K] } = {
    time: fields.time,
    method: fields.method,
    path: fields.path,
    client: fields.client,
    event: 'authenticate',
    outcome: entry.outcome,
    reason: error,
  }
  if (user !== undefined) audit.user = user
  if (detail !== undefined) audit.detail = escapeControl(detail)
  return { kind: 'deny', error, status: entry.status, headers: errorHeaders(error, scheme, config.realm), body: errorBody(error, detail), audit }
}
