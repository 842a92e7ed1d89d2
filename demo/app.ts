/**
 * The demo API: a few Jira-like routes behind Portcullis. Shared by `npm start`, the
 * HTTP benchmark and the demo's own tests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { User } from '../core/index.ts'
import type { SeedUser } from '../storage/types.ts'

/** Seeded demo users; passwords are the usernames (demo only). */
export const demoUsers: readonly SeedUser[] = [
  { username: 'admin', password: 'admin', key: 'JIRAUSER10000', email: 'admin@example.com', displayName: 'admin', groups: ['admins', 'users'] },
  { username: 'alice', password: 'alice', key: 'JIRAUSER10100', email: 'alice@example.com', displayName: 'Alice Example', groups: ['developers', 'users'] },
  { username: 'reader', password: 'reader', key: 'JIRAUSER10200', email: 'reader@example.com', displayName: 'Read Only', groups: ['readers', 'users'] },
]

/** Jira's `/rest/api/2/myself` shape. */
export function myself(user: User, origin: string): string {
  return JSON.stringify({
    self: `${origin}/rest/api/2/user?username=${encodeURIComponent(user.username)}`,
    key: user.key,
    name: user.username,
    emailAddress: user.email,
    displayName: user.displayName,
    active: user.active,
    deleted: false,
    timeZone: user.timeZone,
  })
}

let issueCounter = 0

/** The host's routes; `user` is the authenticated caller, or `undefined` for a passed request. */
export function demoRoutes(req: IncomingMessage, res: ServerResponse, user: User | undefined): void {
  const path = (req.url ?? '/').split('?', 1)[0]
  const send = (status: number, body: unknown) => {
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }
  if (req.method === 'GET' && path === '/status') return send(200, { status: 'ok' })
  if (!user) return send(404, { error: { status: 'ERROR', message: 'Not found' } })
  if (req.method === 'GET' && path === '/rest/api/2/myself') {
    const text = myself(user, `http://${req.headers.host ?? 'localhost'}`)
    res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'content-length': Buffer.byteLength(text) })
    res.end(text)
    return
  }
  if (req.method === 'POST' && path === '/rest/api/2/issue') {
    issueCounter += 1
    return send(201, { id: String(10000 + issueCounter), key: `DEMO-${issueCounter}`, reporter: user.username })
  }
  send(404, { error: { status: 'ERROR', message: 'Not found' } })
}
