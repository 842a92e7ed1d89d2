import { luaScript } from './run.ts'

/**
 * Deletes one token and all its index entries, if the record still belongs to the id
 * the caller read (compare-and-delete). KEYS: the record, the id index, the owner's set,
 * the expiry index. ARGV: hash, id. Returns 1 deleted, 0 already gone.
 */
export const deleteTokenScript = luaScript(`
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1
`)
