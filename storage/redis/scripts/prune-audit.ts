import { luaScript } from './run.ts'

/**
 * Audit retention in one step. KEYS: the log. ARGV: remove records older than this
 * ('' for no age limit), keep only the newest this many ('' for no count limit).
 * Returns how many records were removed.
 */
export const pruneAuditScript = luaScript(`
local removed = 0
if ARGV[1] ~= '' then removed = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1]) end
if ARGV[2] ~= '' then
  local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
  if over > 0 then removed = removed + redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1) end
end
return removed
`)
