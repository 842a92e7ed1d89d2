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
 * records the request. Each key recorded to gets its expiry in the same script, so it
 * never exists without a TTL. The TTL runs until the newest entry leaves the window of
 * the key's last accepted consume, plus the grace: the TTL counts on the server's clock,
 * the scores on the callers', and a caller whose clock lags still needs the entries a
 * little longer. It is rounded up, as PEXPIRE refuses fractions (fractional times would
 * otherwise fail the call after its writes). A key that a later consume emptied is gone
 * and needs none.
 *
 * Every command inside a script costs the server a call, so the script keeps what it
 * learns of each log (its size, its oldest score) for the batch's later consumes of
 * the same key: a consume whose cutoff is older than the oldest entry has nothing to
 * drop, the size after a drop or an add follows from the replies, the oldest entry
 * changes only with a drop or an older add; and the expiry is set once per key, after
 * its last consume. In a batch of n consumes of one key in one millisecond that is at
 * most n + 5 commands rather than 6n, with the same decisions and the same TTL as
 * deciding them one script call each.
 *
 * Returns three values per consume: allowed 0/1, remaining, resetMs. A key holding
 * something other than a sorted set gives that consume an error reply in place of
 * `allowed` (and 0, 0) without failing the others: a batch mixes unrelated callers.
 */
export const consumeScript = luaScript(`
local grace = tonumber(ARGV[1])
local out, logs, recorded = {}, {}, {}
for i = 1, #KEYS do
  local key, at, o = KEYS[i], 5 * i - 3, 3 * i - 2
  local limit, window, now = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
  local log = logs[key]
  if log == nil then
    local dropped = redis.pcall('ZREMRANGEBYSCORE', key, '-inf', ARGV[at + 3])
    if type(dropped) == 'table' then log = { failed = dropped } else log = { count = redis.call('ZCARD', key) } end
    logs[key] = log
  elseif log.count and log.count > 0 and not (log.oldest and log.oldest > tonumber(ARGV[at + 3])) then
    local dropped = redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[at + 3])
    if dropped > 0 then log.count, log.oldest = log.count - dropped, nil end
  end
  if log.failed then
    out[o], out[o + 1], out[o + 2] = log.failed, 0, 0
  elseif log.count >= limit then
    local reset = window
    if limit > 0 and log.count > 0 then
      local freeing = redis.call('ZRANGE', key, log.count - limit, log.count - limit, 'WITHSCORES')
      reset = tonumber(freeing[2]) + window - now
    end
    out[o], out[o + 1], out[o + 2] = 0, 0, reset
  else
    log.count = log.count + redis.call('ZADD', key, ARGV[at + 2], ARGV[at + 4])
    if log.count == 1 or (log.oldest and now < log.oldest) then log.oldest = now end
    if not log.oldest then log.oldest = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2]) end
    if not log.window then recorded[#recorded + 1] = key end
    log.window, log.now = window, now
    out[o], out[o + 1], out[o + 2] = 1, limit - log.count, log.oldest + window - now
  end
end
for _, key in ipairs(recorded) do
  local log = logs[key]
  local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2]
  if newest then redis.call('PEXPIRE', key, math.ceil(math.max(1, tonumber(newest) + log.window - log.now)) + grace) end
end
return out
`)
