import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AuditRecord } from '../../storage/types.ts'
import { logLine } from './log-line.ts'
import { anyText } from '../../test-support/arbitraries.ts'

const record = (fields: Partial<AuditRecord> = {}): AuditRecord => ({
  time: 1,
  event: 'authenticate',
  outcome: 'unauthorized',
  reason: 'api_token_invalid',
  method: 'GET',
  path: '/rest/api/2/myself',
  client: '10.0.0.7',
  ...fields,
})


const quoted = String.raw`"(?:[^"\\]|\\.)*"`
/** The whole grammar of a line: any value that could forge a field or a line fails to parse. */
const grammar = new RegExp(
  String.raw`^portcullis: (request|token created|token deleted|expired token deleted) ([a-z-]+) \(([a-z_.-]+)\) user=(${quoted}) (${quoted}|[!#$%&'*+.^_\x60|~0-9A-Za-z-]+) (${quoted}) client=(${quoted})(?: owner=(${quoted}))?(?: token=(${quoted}))?(?: detail=(${quoted}))?$`,
)

/** Parses a line back into its fields, or `undefined` when it does not follow the grammar. */
function parse(line: string) {
  const m = grammar.exec(line)
  if (!m) return undefined
  const value = (s: string | undefined) => (s === undefined ? undefined : (JSON.parse(s) as string))
  return {
    description: m[1],
    outcome: m[2],
    reason: m[3],
    user: value(m[4]),
    method: m[5]!.startsWith('"') ? value(m[5]) : m[5],
    path: value(m[6]),
    client: value(m[7]),
    owner: value(m[8]),
    token: value(m[9]),
    detail: value(m[10]),
  }
}

describe('logLine', () => {
  it('describes the event, outcome, reason, user, method, path and client', () => {
    expect(logLine(record())).toBe('portcullis: request unauthorized (api_token_invalid) user="-" GET "/rest/api/2/myself" client="10.0.0.7"')
    expect(logLine(record({ outcome: 'success', reason: 'api-token', user: 'alice', via: 'api-token', tokenId: 'tok1' }))).toBe(
      'portcullis: request success (api-token) user="alice" GET "/rest/api/2/myself" client="10.0.0.7" token="tok1"',
    )
  })

  it('names token events and their owner', () => {
    expect(logLine(record({ event: 'token.create', outcome: 'success', reason: 'token.create', user: 'root', owner: 'alice', tokenId: 't' }))).toBe(
      'portcullis: token created success (token.create) user="root" GET "/rest/api/2/myself" client="10.0.0.7" owner="alice" token="t"',
    )
    expect(logLine(record({ event: 'token.delete' }))).toMatch(/^portcullis: token deleted /)
    expect(logLine(record({ event: 'token.delete-expired' }))).toMatch(/^portcullis: expired token deleted /)
  })

  it("ends with the refusal's detail, quoted, when the record has one", () => {
    const detail = 'provider refused: unauthorized_client: Client not allowed for direct access grants'
    expect(logLine(record({ reason: 'password_invalid', user: 'alice', detail }))).toBe(
      `portcullis: request unauthorized (password_invalid) user="alice" GET "/rest/api/2/myself" client="10.0.0.7" detail="${detail}"`,
    )
    const forged = 'x" user="admin\nportcullis: request success'
    expect(parse(logLine(record({ detail: forged })))).toMatchObject({ user: '-', client: '10.0.0.7', detail: forged })
  })

  it('keeps CR/LF in a username or path from starting a new line', () => {
    const line = logLine(record({ user: 'eve\nportcullis: request success (api-token) user="admin"', path: '/rest/a\r\nb', client: 'x\u2028y' }))
    expect(line).not.toMatch(/[\r\n\u2028\u2029\u0085]/)
    expect(parse(line)).toMatchObject({ user: 'eve\nportcullis: request success (api-token) user="admin"', path: '/rest/a\r\nb', client: 'x\u2028y' })
  })

  it('keeps quotes and spaces in a username or path from forging a field', () => {
    const user = 'eve" client="127.0.0.1'
    const path = '/rest/x" user="admin'
    expect(parse(logLine(record({ user, path })))).toMatchObject({ user, path, client: '10.0.0.7' })
    expect(parse(logLine(record({ user: 'a b', path: '/rest/ x', client: '"' })))).toMatchObject({ user: 'a b', path: '/rest/ x', client: '"' })
  })

  it('keeps a method that is not an HTTP token from forging a field', () => {
    const method = 'GET "/rest/other" client="127.0.0.1" x'
    expect(parse(logLine(record({ method })))).toMatchObject({ method, path: '/rest/api/2/myself', client: '10.0.0.7' })
    expect(parse(logLine(record({ method: '' })))).toMatchObject({ method: '', path: '/rest/api/2/myself' })
    expect(parse(logLine(record({ method: 'GET\n' })))).toMatchObject({ method: 'GET\n' })
  })

  it('parses back to the record it came from, whatever the text fields hold', () => {
    const text = anyText(40)
    fc.assert(
      fc.property(text, text, text, text, fc.option(text, { nil: undefined }), fc.option(text, { nil: undefined }), fc.option(text, { nil: undefined }), (user, method, path, client, owner, tokenId, detail) => {
        const line = logLine(record({ user, method, path, client, ...(owner !== undefined && { owner }), ...(tokenId !== undefined && { tokenId }), ...(detail !== undefined && { detail }) }))
        if (/[\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(line)) return false
        const fields = parse(line)
        return (
          fields !== undefined &&
          fields.user === user &&
          fields.method === method &&
          fields.path === path &&
          fields.client === client &&
          fields.owner === owner &&
          fields.token === tokenId &&
          fields.detail === detail
        )
      }),
      { numRuns: 500 },
    )
  })

  it('writes only what the record holds: no credential reaches it', () => {
    const line = logLine(record({ user: 'alice', tokenId: 'tok1' }))
    expect(line).not.toMatch(/authorization|bearer|basic|password|secret/i)
  })
})
