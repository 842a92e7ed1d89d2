import { createPortcullis } from 'portcullis'
import { memoryStores } from 'portcullis/storage/memory'

// Tests and demos: everything in this process, gone when it exits.
// A low PBKDF2 work factor keeps tests fast; production directories keep the default (600,000).
const stores = memoryStores({ passwordIterations: 1000 })
await stores.users.add({ username: 'alice', password: 's3cret', email: 'alice@example.com', groups: ['developers'] })
await stores.users.add({ username: 'reader', password: 'r3ader', groups: ['readers'] })

const portcullis = createPortcullis({ config: { access: { readOnlyGroups: ['readers'] } }, stores })

const outcome = await portcullis.handle({
  method: 'POST',
  target: '/rest/api/2/issue',
  headers: new Headers({ authorization: `Basic ${btoa('reader:r3ader')}` }),
  peer: '127.0.0.1',
})
console.log(outcome.kind === 'deny' && outcome.error) // 'read_only_write'
console.log(stores.audit.query({ limit: 1 })) // the audit record of that refusal
