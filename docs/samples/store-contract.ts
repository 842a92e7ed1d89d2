// my-stores.contract.test.ts: run by vitest (npx vitest run my-stores.contract)
import { randomUUID } from 'node:crypto'
import { storeContract } from 'portcullis/storage/contract'
import { openMyStores } from './store-skeleton.ts'

// Each call opens a fresh, empty set of stores (its own namespace) and says how to release it.
storeContract('my stores', async () => {
  const { close, ...stores } = await openMyStores(`contract-${randomUUID()}`)
  return { stores, close }
})
