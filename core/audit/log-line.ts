import type { AuditRecord } from '../../storage/types.ts'

/** An RFC 9110 token: what a method from an HTTP parser always is, written bare. */
const httpToken = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** What JSON.stringify leaves raw but some readers take as a line break or a terminal control: DEL, C1, U+2028/9. */
const unsafe = /[\x7f-\x9f\u2028\u2029]/g

/** JSON-quotes a value, also escaping the characters in {@link unsafe}. */
function q(value: string | undefined): string {
  return JSON.stringify(value ?? '-').replace(unsafe, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

const descriptions: Record<AuditRecord['event'], string> = {
  authenticate: 'request',
  'token.create': 'token created',
  'token.delete': 'token deleted',
  'token.delete-expired': 'expired token deleted',
}

/**
 * One log line for an audit record: a description, the user and the path, and the
 * refusal's detail when there is one (a provider's reason, the check that failed). Every value
 * from the request is JSON-quoted (the method only when it is not an HTTP token), so a
 * quote, space, CR/LF or other line separator in a username, method or path cannot forge
 * a field or a line; records hold no secret to begin with.
 *
 * @example
 * ```ts
 * logLine(record) // 'portcullis: request unauthorized (api_token_invalid) user="-" GET "/rest/api/2/myself" client="10.0.0.7"'
 * ```
 */
export function logLine(record: AuditRecord): string {
  let line = `portcullis: ${descriptions[record.event]} ${record.outcome} (${record.reason}) user=${q(record.user)} ${httpToken.test(record.method) ? record.method : q(record.method)} ${q(record.path)} client=${q(record.client)}`
  if (record.owner !== undefined) line += ` owner=${q(record.owner)}`
  if (record.tokenId !== undefined) line += ` token=${q(record.tokenId)}`
  if (record.detail !== undefined) line += ` detail=${q(record.detail)}`
  return line
}
