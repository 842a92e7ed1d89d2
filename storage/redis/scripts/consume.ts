import { luaScript } from './run.ts'

/**
 * Sliding window log, one key, one round trip. KEYS[1]: the key's sorted set of accepted
 * requests (member unique, score the request's time). ARGV: limit, windowMs, now, the
 * cutoff (now - windowMs, computed by the caller so no Lua number is formatted into a
 * score), a unique member, a grace in ms. Drops entries at or before the cutoff, refuses
 * at `limit`, otherwise records the request and sets the key's expiry in the same script,
 * so the key never exists without a TTL. The TTL runs until the newest entry leaves the
 * window, plus the grace: the TTL counts on the server's clock, the scores on the
 * callers', and a caller whose clock lags still needs the entries a little longer.
 * Returns {allowed 0/1, remaining, resetMs}.
 */
export const consumeScript = luaScript(`
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[4])
local count = redis.call('ZCARD', key)
if count >= limit then
  local reset = window
  if limit > 0 and count > 0 then
    local freeing = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    reset = tonumber(freeing[2]) + window - now
  end
  return {0, 0, reset}
end
redis.call('ZADD', key, ARGV[3], ARGV[5])
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', key, math.max(1, tonumber(newest[2]) + window - now) + tonumber(ARGV[6]))
return {1, limit - count - 1, tonumber(oldest[2]) + window - now}
`)
