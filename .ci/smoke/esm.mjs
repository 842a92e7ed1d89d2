import * as core from 'portcullis'
import * as node from 'portcullis/node'
import * as memory from 'portcullis/storage/memory'
import * as conformance from 'portcullis/conformance'
import * as hapi from 'portcullis/hapi'
import * as koa from 'portcullis/koa'
import * as fetch from 'portcullis/fetch'
import * as deno from 'portcullis/deno'
import * as sqlite from 'portcullis/storage/sqlite'
import { betterSqlite3 } from 'portcullis/storage/sqlite/better-sqlite3'
import { check } from './check.mjs'

process.exitCode = (await check(core, memory, node, conformance, { hapi, koa, fetch, deno }, { stores: sqlite, driver: betterSqlite3 })) ? 1 : 0
