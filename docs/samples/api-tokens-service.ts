import { createPortcullis } from 'portcullis'
import { memoryStores } from 'portcullis/storage/memory'

const stores = memoryStores()
const admin = await stores.users.add({ username: 'admin', groups: ['admins'] })
await stores.users.add({ username: 'ci-bot', groups: ['services'] })
const portcullis = createPortcullis({ config: { apiTokens: { maxValidity: '1y' } }, stores })

// The service behind the token API: the same permission rules, the same audit records.
// The origin says where the call came from, for the audit log.
const tokens = portcullis.tokens({ method: 'CLI', path: 'provision-ci', client: 'local' })

const created = await tokens.create(admin, { name: 'ci pipeline', validity: '6m', owner: 'ci-bot' })
if (!created.ok) throw new Error(`${created.error}${created.detail ? `: ${created.detail}` : ''}`)
console.log(created.value.token) // pcl_…: shown this once, never stored; hand it to the CI's secret store now

const mine = await tokens.list(admin, 'ci-bot') // views only: no token, no hash
console.log(mine.ok && mine.value.map((t) => `${t.id} ${t.name} expires ${t.expiresAt}`))

// The test-token diagnostic: valid or not, whose, which check failed, time left.
console.log(await portcullis.testToken('api-token', created.value.token))
// { type: 'api-token', valid: true, user: 'ci-bot', check: 'ok', reason: 'valid for ci-bot', expiresInSeconds: …about six months… }

await tokens.revoke(admin, created.value.id)
