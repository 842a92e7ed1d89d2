import { createPortcullis, type User, type UserDirectory } from 'portcullis'
import { withPortcullis } from 'portcullis/deno'
import { MemoryTokenStore } from 'portcullis/storage/memory'

/** Your users, wherever they live: Portcullis only needs to find one by name or email address. */
const directory: UserDirectory = {
  async find(usernameOrEmail) {
    const response = await fetch(`https://users.internal.example/v1/users/${encodeURIComponent(usernameOrEmail)}`)
    if (response.status === 404) return undefined
    if (!response.ok) throw new Error(`user directory answered ${response.status}`) // a 503 for the client: fail closed
    return (await response.json()) as User
  },
  verifyPassword: () => false, // JWTs only: no password is ever checked
}

const portcullis = createPortcullis({
  config: {
    basicAuth: { passwords: false },
    apiTokens: { enabled: false },
    jwt: {
      issuers: [{
        issuer: 'https://idp.example.com/realms/main',
        algorithms: ['RS256'],
        jwksUri: 'https://idp.example.com/realms/main/protocol/openid-connect/certs',
        audience: 'reports-api',
        usernameClaim: 'preferred_username',
      }],
    },
  },
  // No API tokens, so no shared token store: an empty in-memory one satisfies the interface.
  stores: { tokens: new MemoryTokenStore(), users: directory },
  log: (line) => console.log(line), // no audit store here: Deno Deploy keeps the logs
})

Deno.serve(withPortcullis(portcullis, (request, auth) =>
  auth ? Response.json({ reports: [], for: auth.user.username }) : new Response('Not found', { status: 404 })))
