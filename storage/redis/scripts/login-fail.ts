import { luaScript } from './run.ts'

/**
 * Counts one failed login attempt against each throttle key, in one atomic step, so
 * instances sharing the Redis lock a key at exactly its `maxFailures`-th failure.
 * KEYS: per throttle key, its failures sorted set then its lock string. ARGV: maxFailures,
 * the cutoff (now - windowMs), now, the unlock time (now + lockMs), the lock's TTL, the
 * failures' TTL (both ms, whole, with a grace for callers whose clocks lag the server's),
 * a unique member. Times are computed by the caller, so no Lua number is formatted into
 * a score or a value.
 *
 * Per key: drops failures at or before the cutoff and records this one; at maxFailures
 * the key is locked and its failures deleted, so counting starts again after the lock.
 * Returns 1 when a key was locked, else 0.
 */
export const loginFailScript = luaScript(`
local max = tonumber(ARGV[1])
local locked = 0
for i = 1, #KEYS, 2 do
  local failures, lock = KEYS[i], KEYS[i + 1]
  redis.call('ZREMRANGEBYSCORE', failures, '-inf', ARGV[2])
  redis.call('ZADD', failures, ARGV[3], ARGV[7])
  if redis.call('ZCARD', failures) >= max then
    redis.call('DEL', failures)
    redis.call('SET', lock, ARGV[4], 'PX', ARGV[5])
    locked = 1
  else
    redis.call('PEXPIRE', failures, ARGV[6])
  end
end
return locked
`)
