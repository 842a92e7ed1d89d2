import { luaScript } from './run.ts'

/**
 * Inserts a token with its per-owner limit check, all keys at once. KEYS: the record
 * (by hash), the id index, the owner's set, the expiry index. ARGV: maxPerUser, hash,
 * id, owner, name, createdAt, expiresAt ('' for never), createdBy. Returns 1 inserted,
 * 0 limit reached, or an error reply when the id or hash is taken (before any write).
 */
export const insertTokenScript = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
  return redis.error_reply('PORTCULLIS_DUPLICATE a token with this id or hash already exists')
end
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'hash', ARGV[2], 'id', ARGV[3], 'owner', ARGV[4], 'name', ARGV[5], 'createdAt', ARGV[6], 'expiresAt', ARGV[7], 'createdBy', ARGV[8])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[2])
if ARGV[7] ~= '' then redis.call('ZADD', KEYS[4], ARGV[7], ARGV[2]) end
return 1
`)
