import { authenticate, loadConfig, type AuthRequest } from 'portcullis'
import { memoryStores } from 'portcullis/storage/memory'

const config = loadConfig({ paths: { anonymous: ['/rest/api/2/serverInfo'] } })
const stores = memoryStores()
await stores.users.add({ username: 'alice', password: 's3cret' })

const request: AuthRequest = {
  method: 'GET',
  target: '/rest/api/2/myself?expand=groups', // raw path and query, as received
  headers: new Headers({ authorization: `Basic ${btoa('alice:s3cret')}` }),
  peer: '203.0.113.9', // the TCP peer, never a forwarded header
}

const decision = await authenticate(request, config, stores)
switch (decision.kind) {
  case 'allow': // run the handler as decision.user; add decision.headers to its response
    console.log(`${decision.user.username} via ${decision.via}`)
    break
  case 'deny': // send status, headers and body exactly as they are
    console.log(decision.status, decision.headers, decision.body)
    break
  case 'pass': // not Portcullis's to judge: run the handler without a user
    console.log(`passed: ${decision.reason}`)
    break
}
console.log(decision.audit) // every decision carries its audit record
