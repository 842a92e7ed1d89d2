export { MemoryAuditStore } from './audit.ts'
export { memoryStores, type MemoryStores } from './stores.ts'
export { MemoryTokenStore } from './tokens.ts'
export { MemoryUserDirectory, type SeedUser } from './users.ts'
