import type { AuditRecord } from '../../storage/types.ts'

const descriptions: Record<AuditRecord['event'], string> = {
  authenticate: 'request',
  'token.create': 'token created',
  'token.delete': 'token deleted',
  'token.delete-expired': 'expired token deleted',
}

/**
 * One log line for an audit record: a description, the user and the path. Every value
 * from the request is JSON-quoted, so a quote, space or CR/LF in a username or path
 * cannot forge a field or a line; records hold no secret to begin with.
 *
 * @example
 * ```ts
 * logLine(record) // 'portcullis: request unauthorized (api_token_invalid) user="-" GET "/rest/api/2/myself" client="10.0.0.7"'
 * ```
 */
export function logLine(record: AuditRecord): string {
  const q = (value: string | undefined) => JSON.stringify(value ?? '-')
  let line = `portcullis: ${descriptions[record.event]} ${record.outcome} (${record.reason}) user=${q(record.user)} ${q(record.method).slice(1, -1)} ${q(record.path)} client=${q(record.client)}`
  if (record.owner !== undefined) line += ` owner=${q(record.owner)}`
  if (record.tokenId !== undefined) line += ` token=${q(record.tokenId)}`
  return line
}
