const core = require('portcullis')
const node = require('portcullis/node')
const memory = require('portcullis/storage/memory')
const conformance = require('portcullis/conformance')
const adapters = {
  hapi: require('portcullis/hapi'),
  koa: require('portcullis/koa'),
  fetch: require('portcullis/fetch'),
  deno: require('portcullis/deno'),
}

import('./check.mjs').then(async ({ check }) => {
  process.exitCode = (await check(core, memory, node, conformance, adapters, { stores: require('portcullis/storage/sqlite'), driver: require('portcullis/storage/sqlite/better-sqlite3').betterSqlite3 })) ? 1 : 0
})
