// The runtime-neutral entry points only: Deno imports the built ESM files directly.
import * as core from '../../dist/core/index.js'
import * as memory from '../../dist/storage/memory/index.js'
import * as fetch from '../../dist/adapters/fetch.js'
import * as deno from '../../dist/adapters/deno.js'
import * as sqlite from '../../dist/storage/sqlite/index.js'
import { nodeSqlite } from '../../dist/storage/sqlite/node-sqlite.js'
import { check } from './check.mjs'

Deno.exit((await check(core, memory, undefined, undefined, { fetch, deno }, { stores: sqlite, driver: nodeSqlite })) ? 1 : 0)
