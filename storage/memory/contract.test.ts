import { storeContract } from '../contract.ts'
import { memoryStores } from './stores.ts'

storeContract('memory', async () => ({ stores: memoryStores({ passwordIterations: 1000 }), close: async () => {} }))
