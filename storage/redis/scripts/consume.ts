import { luaScript } from './run.ts'

/**
 * Sliding window log for a batch of consumes, in one round trip and one atomic step:
 * the consumes are decided in order, so two of one key in a batch see each other.
 * KEYS[i]: the i-th consume's sorted set of accepted requests (member unique, score the
 * request's time); a key may repeat. ARGV[1]: a grace in ms; then five per consume:
 * limit, windowMs, now, the cutoff (now - windowMs, computed by the caller so no Lua
 * number is formatted into a score), a unique member.
 *
 * Per consume: drops entries at or before the cutoff, refuses at `limit`, otherwise
 * records the request and sets the key's expiry in the same script, so the key never
 * exists without a TTL. The TTL runs until the newest entry leaves the window, plus the
 * grace: the TTL counts on the server's clock, the scores on the callers', and a caller
 * whose clock lags still needs the entries a little longer.
 *
 * Returns three values per consume: allowed 0/1, remaining, resetMs. A key holding
 * something other than a sorted set gives that consume an error reply in place of
 * `allowed` (and 0, 0) without failing the others: a batch mixes unrelated callers.
 */
export const consumeScript = luaScript(`
local grace = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  local key, at, o = KEYS[i], 5 * i - 3, 3 * i - 2
  local limit, window, now = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
  local dropped = redis.pcall('ZREMRANGEBYSCORE', key, '-inf', ARGV[at + 3])
  if type(dropped) == 'table' then
    out[o], out[o + 1], out[o + 2] = dropped, 0, 0
  else
    local count = redis.call('ZCARD', key)
    if count >= limit then
      local reset = window
      if limit > 0 and count > 0 then
        local freeing = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
        reset = tonumber(freeing[2]) + window - now
      end
      out[o], out[o + 1], out[o + 2] = 0, 0, reset
    else
      redis.call('ZADD', key, ARGV[at + 2], ARGV[at + 4])
      local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
      redis.call('PEXPIRE', key, math.max(1, tonumber(newest[2]) + window - now) + grace)
      out[o], out[o + 1], out[o + 2] = 1, limit - count - 1, tonumber(oldest[2]) + window - now
    end
  end
end
return out
`)
