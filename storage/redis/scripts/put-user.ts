import { luaScript } from './run.ts'

/**
 * Writes a user and moves their email index entry, if the user's revision is still the
 * one the caller read (optimistic concurrency: 0 tells the caller to read and retry).
 * KEYS: the user, the old email's index entry, the new one's. ARGV: expected revision
 * ('' for none), username, old lowercased email, new lowercased email, password hash
 * ('' keeps the stored one), then field/value pairs. Returns 1 written, 0 stale.
 */
export const putUserScript = luaScript(`
if (redis.call('HGET', KEYS[1], 'rev') or '') ~= ARGV[1] then return 0 end
local username, old, new = ARGV[2], ARGV[3], ARGV[4]
if old ~= '' and old ~= new and redis.call('GET', KEYS[2]) == username then redis.call('DEL', KEYS[2]) end
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'password', ARGV[5]) end
redis.call('HINCRBY', KEYS[1], 'rev', 1)
if new ~= '' then redis.call('SET', KEYS[3], username) end
return 1
`)
