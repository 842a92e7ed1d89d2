import type { User } from '../../storage/types.ts'
import type { Config } from '../config/load.ts'
import type { ErrorId } from '../errors/catalog.ts'

const readMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * The group rules every authenticated user passes through, whatever the method:
 * "allow API access" (only the allowed groups) and read-only groups (read methods
 * only). The token API is exempt from read-only: creating a token changes no host data,
 * and it has permissions of its own. Returns the error to deny with, or `undefined`.
 */
export function groupRefusal(user: User, method: string, tokenApi: boolean, config: Config): ErrorId | undefined {
  const { allowedGroups, readOnlyGroups } = config.compiled
  if (allowedGroups !== true && !inAny(user.groups, allowedGroups)) return 'group_not_allowed'
  if (readOnlyGroups.size && !tokenApi && !readMethods.has(method) && inAny(user.groups, readOnlyGroups)) return 'read_only_write'
  return undefined
}

/** A plain loop: this runs on every request, where a closure per call shows. */
function inAny(groups: readonly string[], set: ReadonlySet<string>): boolean {
  for (let i = 0; i < groups.length; i++) if (set.has(groups[i]!)) return true
  return false
}
