import * as core from 'portcullis'
import * as node from 'portcullis/node'
import * as memory from 'portcullis/storage/memory'
import * as conformance from 'portcullis/conformance'
import { check } from './check.mjs'

process.exitCode = (await check(core, memory, node, conformance)) ? 1 : 0
