// Deno only (`npm run test:deno`): the same suite on the runtime's node:sqlite.
import { sqliteSuite } from './driver-suite.ts'
import { nodeSqlite } from './node-sqlite.ts'

sqliteSuite('node:sqlite', nodeSqlite)
