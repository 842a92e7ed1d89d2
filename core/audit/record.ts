import type { AuditRecord } from '../../storage/types.ts'

const control = /[\x00-\x1f\x7f]/g
const hasControl = /[\x00-\x1f\x7f]/

/**
 * Escapes control characters (`\n` becomes `\x0a`) so a crafted path or name cannot
 * forge or split a log line.
 */
export function escapeControl(text: string): string {
  // Test first: almost every text has nothing to escape, and a replace allocates anyway.
  return hasControl.test(text) ? text.replace(control, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) : text
}

/** The fields every record of one request shares. */
export type RequestFields = Pick<AuditRecord, 'time' | 'method' | 'path' | 'client'>

/**
 * The request part of an audit record: the path is the normalised one, never the query.
 * A target that could not be normalised is kept up to its query or fragment when it is a
 * path, and replaced by `-` otherwise (an absolute URL may carry `user:password@`).
 */
export function requestFields(time: number, method: string, segments: readonly string[] | null, target: string, client: string): RequestFields {
  // `;` parameters are cut from a path that could not be normalised too: they may hold a session id.
  const path = segments ? `/${segments.join('/')}` : target.startsWith('/') ? target.split(/[?#]/, 1)[0]!.replace(/;[^/\\]*/g, '') : '-'
  return { time, method: escapeControl(method), path: escapeControl(path), client: escapeControl(client) }
}
