import { createHash } from 'node:crypto'
import type { RedisClient } from '../client.ts'

/** A Lua script and its SHA-1, for EVALSHA. */
export interface LuaScript {
  readonly lua: string
  readonly sha: string
}

/** Declares a Lua script. */
export function luaScript(lua: string): LuaScript {
  return Object.freeze({ lua, sha: createHash('sha1').update(lua).digest('hex') })
}

/**
 * Runs a script in one round trip: EVALSHA, and EVAL when the server does not know the
 * script yet (a fresh or restarted server, another cluster node), which also caches it
 * there. Every key the script touches is passed in `keys`.
 */
export async function runScript(redis: RedisClient, script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return redis.eval(script.lua, keys.length, ...keys, ...args)
  }
}
