import type { core as zcore } from 'zod'

/** One validation problem: the field's dotted path and what was wrong with it. */
export interface Problem {
  readonly path: string
  readonly message: string
}

/**
 * Turns a schema issue into `path: expected ..., got ...`. The "expected" part is the
 * field's own error text in the schema; the "got" part shows the offending value briefly.
 */
export function describeIssue(issue: zcore.$ZodIssue, secret = false): Problem {
  const path = issue.path.length ? issue.path.join('.') : '(root)'
  if (issue.code === 'unrecognized_keys') {
    const names = issue.keys.map((k) => `"${k}"`).join(', ')
    return { path, message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${names}` }
  }
  // A secret field's value is never shown back, not even in part.
  return { path, message: secret ? issue.message : `${issue.message}, got ${show(issue.input)}` }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  if (Array.isArray(value)) return 'a list'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'an object'
  return String(value)
}
