import { betterSqlite3 } from './better-sqlite3.ts'
import { sqliteSuite } from './driver-suite.ts'

sqliteSuite('better-sqlite3', betterSqlite3)
