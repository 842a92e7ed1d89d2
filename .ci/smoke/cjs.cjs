const core = require('portcullis')
const node = require('portcullis/node')
const memory = require('portcullis/storage/memory')
const conformance = require('portcullis/conformance')

import('./check.mjs').then(async ({ check }) => {
  process.exitCode = (await check(core, memory, node, conformance)) ? 1 : 0
})
