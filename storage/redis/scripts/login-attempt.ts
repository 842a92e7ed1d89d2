import { luaScript } from './run.ts'

/**
 * The login throttle's two steps, each one atomic call. KEYS, for both: per throttle key,
 * its attempts sorted set (member: attempt id, score: its start time) then its lock
 * string (the unlock time); the username's key comes first. Times and TTLs are computed
 * by the caller, so no Lua number is formatted into a score or a value.
 *
 * `begin` ARGV: maxFailures, the cutoff (now - windowMs), now, the attempt id, the
 * attempts' TTL (ms, whole, with a grace for callers whose clocks lag the server's).
 * Returns `{1, until}` when a key is locked (the latest unlock time, as stored), `{2}`
 * when a key already holds maxFailures attempts in the window, else records the attempt
 * against every key and returns `{0}`. A lock that is not a number fails the call.
 */
export const beginAttemptScript = luaScript(`
local max, now = tonumber(ARGV[1]), tonumber(ARGV[3])
local latest
for i = 2, #KEYS, 2 do
  local stored = redis.call('GET', KEYS[i])
  if stored then
    local unlock = tonumber(stored)
    if unlock == nil then return redis.error_reply('login throttle: ' .. KEYS[i] .. ' does not hold a time') end
    if unlock > now and (latest == nil or unlock > tonumber(latest)) then latest = stored end
  end
end
if latest then return {1, latest} end
for i = 1, #KEYS, 2 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', ARGV[2])
  if redis.call('ZCARD', KEYS[i]) >= max then return {2} end
end
for i = 1, #KEYS, 2 do
  redis.call('ZADD', KEYS[i], ARGV[3], ARGV[4])
  redis.call('PEXPIRE', KEYS[i], ARGV[5])
end
return {0}
`)

/**
 * `settle` ARGV: the outcome (failure, success or void), maxFailures, the cutoff, the
 * attempt id, the unlock time (now + lockMs), the lock's TTL (ms, whole, with the grace).
 * A failure whose attempt is still counted locks a key that holds maxFailures attempts
 * in the window, deleting them; a success deletes the username's attempts and this one
 * elsewhere; a void attempt leaves every key. Returns 1 when a key was locked, else 0.
 */
export const settleAttemptScript = luaScript(`
local outcome, max = ARGV[1], tonumber(ARGV[2])
local locked = 0
for i = 1, #KEYS, 2 do
  local attempts, lock = KEYS[i], KEYS[i + 1]
  if outcome == 'success' and i == 1 then
    redis.call('DEL', attempts)
  elseif outcome ~= 'failure' then
    redis.call('ZREM', attempts, ARGV[4])
  elseif redis.call('ZSCORE', attempts, ARGV[4]) then
    redis.call('ZREMRANGEBYSCORE', attempts, '-inf', ARGV[3])
    if redis.call('ZCARD', attempts) >= max then
      redis.call('DEL', attempts)
      redis.call('SET', lock, ARGV[5], 'PX', ARGV[6])
      locked = 1
    end
  end
end
return locked
`)
