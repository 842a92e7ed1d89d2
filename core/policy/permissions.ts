import type { User } from '../../storage/types.ts'
import type { CompiledGrant, Config } from '../config/load.ts'

/** Whether the user is in one of `adminGroups`. */
export function isAdmin(user: User, config: Config): boolean {
  return inAny(user, config.compiled.adminGroups)
}

/** Whether the user holds a token permission. Admins hold every permission. */
export function holds(user: User, grant: CompiledGrant, config: Config): boolean {
  return grant === true || inAny(user, grant) || isAdmin(user, config)
}

function inAny(user: User, groups: ReadonlySet<string>): boolean {
  return groups.size > 0 && user.groups.some((g) => groups.has(g))
}
