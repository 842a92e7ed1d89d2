// deno run --allow-net=127.0.0.1 --allow-read=. --allow-write=. main.ts
import { createPortcullis } from 'portcullis'
import { withPortcullis } from 'portcullis/deno'
import { openSqliteStores } from 'portcullis/storage/sqlite'
import { nodeSqlite } from 'portcullis/storage/sqlite/node-sqlite'

// Deno's built-in node:sqlite: nothing to install.
const stores = openSqliteStores({ path: 'auth.sqlite', driver: nodeSqlite })
const portcullis = createPortcullis({ config: { apiTokens: { maxValidity: '1y' } }, stores })

Deno.serve({ hostname: '127.0.0.1', port: 3000 }, withPortcullis(portcullis, (request, auth) => {
  const { pathname } = new URL(request.url)
  if (request.method === 'GET' && pathname === '/rest/api/2/myself' && auth) {
    return Response.json({ name: auth.user.username, via: auth.via })
  }
  return new Response('Not found', { status: 404 })
}))
