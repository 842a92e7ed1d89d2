// The runtime-neutral entry points only: Deno imports the built ESM files directly.
import * as core from '../../dist/core/index.js'
import * as memory from '../../dist/storage/memory/index.js'
import { check } from './check.mjs'

Deno.exit((await check(core, memory, undefined, undefined)) ? 1 : 0)
