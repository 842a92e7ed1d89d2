import { luaScript } from './run.ts'

/**
 * The login throttle's two steps, each one atomic call. KEYS, for both: per throttle key,
 * its failures (sorted set: attempt id scored by time), its attempts in progress (sorted
 * set: attempt id scored by the end of its lease) and its lock (string: the unlock
 * time); the username's key comes first. Times and TTLs are computed by the caller, so no
 * Lua number is formatted into a score or a value. A lock that is not a finite number
 * fails the call, so a corrupt key refuses attempts (503) rather than letting them pass.
 */
const lockOf = `
local function lockOf(key)
  local stored = redis.call('GET', key)
  if not stored then return nil end
  local unlock = tonumber(stored)
  if unlock == nil or unlock ~= unlock or unlock == math.huge or unlock == -math.huge then
    return redis.error_reply('login throttle: ' .. key .. ' does not hold a time')
  end
  return unlock
end
`

/**
 * `begin` ARGV: maxFailures, the failures' cutoff (now - windowMs), now, the attempt id,
 * the lease's end (now + leaseMs), the attempts' TTL (lease and grace, ms), the window.
 * Returns `{1, wait}` for a lock, `{2, wait}` when a key's failures and attempts in
 * progress already number maxFailures (wait: until the first frees its place), else
 * records the attempt on every key and returns `{0}`.
 */
export const beginAttemptScript = luaScript(`${lockOf}
local max, now, window = tonumber(ARGV[1]), tonumber(ARGV[3]), tonumber(ARGV[7])
local wait = 0
for i = 3, #KEYS, 3 do
  local unlock = lockOf(KEYS[i])
  if type(unlock) == 'table' then return unlock end
  if unlock and unlock - now > wait then wait = unlock - now end
end
if wait > 0 then return {1, math.ceil(wait)} end
for i = 1, #KEYS, 3 do
  local failures, pending = KEYS[i], KEYS[i + 1]
  redis.call('ZREMRANGEBYSCORE', failures, '-inf', ARGV[2])
  redis.call('ZREMRANGEBYSCORE', pending, '-inf', ARGV[3])
  if redis.call('ZCARD', failures) + redis.call('ZCARD', pending) >= max then
    local free = math.huge
    local oldest = redis.call('ZRANGE', failures, 0, 0, 'WITHSCORES')[2]
    if oldest then free = tonumber(oldest) + window end
    local lease = redis.call('ZRANGE', pending, 0, 0, 'WITHSCORES')[2]
    if lease and tonumber(lease) < free then free = tonumber(lease) end
    if free - now > wait then wait = free - now end
  end
end
if wait > 0 then return {2, math.ceil(wait)} end
for i = 1, #KEYS, 3 do
  redis.call('ZADD', KEYS[i + 1], ARGV[5], ARGV[4])
  redis.call('PEXPIRE', KEYS[i + 1], ARGV[6])
end
return {0}
`)

/**
 * `settle` ARGV: the outcome (failure, success or void), maxFailures, the failures'
 * cutoff, now, the attempt id, the unlock time (now + lockMs), the lock's TTL and the
 * failures' TTL (ms, with the grace). Returns 1 when a key was locked, else 0.
 */
export const settleAttemptScript = luaScript(`${lockOf}
local outcome, max, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[4])
local locked = 0
for i = 1, #KEYS, 3 do
  local failures, pending, lock = KEYS[i], KEYS[i + 1], KEYS[i + 2]
  redis.call('ZREM', pending, ARGV[5])
  if outcome == 'success' and i == 1 then
    redis.call('DEL', failures)
  elseif outcome == 'failure' then
    local unlock = lockOf(lock)
    if type(unlock) == 'table' then return unlock end
    if not (unlock and unlock > now) then
      redis.call('ZREMRANGEBYSCORE', failures, '-inf', ARGV[3])
      redis.call('ZADD', failures, ARGV[4], ARGV[5])
      if redis.call('ZCARD', failures) >= max then
        redis.call('DEL', failures)
        redis.call('SET', lock, ARGV[6], 'PX', ARGV[7])
        locked = 1
      else
        redis.call('PEXPIRE', failures, ARGV[8])
      end
    end
  end
end
return locked
`)
