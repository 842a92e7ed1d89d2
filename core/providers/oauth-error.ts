/**
 * Reads an OAuth error body (RFC 6749 §5.2: `error`, optional `error_description`) for the
 * log, or `undefined` when the body is not one. Bounded, so a provider cannot flood the
 * audit record.
 */
export async function readOAuthError(response: Response): Promise<{ readonly code: string; readonly text: string } | undefined> {
  const body = (await response.json().catch(() => undefined)) as { error?: unknown; error_description?: unknown } | undefined
  if (typeof body?.error !== 'string') return undefined
  const description = typeof body.error_description === 'string' ? `: ${body.error_description}` : ''
  return { code: body.error, text: `${body.error}${description}`.slice(0, 300) }
}
