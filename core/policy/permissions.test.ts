import { describe, expect, it } from 'vitest'
import type { User } from '../../storage/types.ts'
import { loadConfig } from '../config/load.ts'
import { holds, isAdmin } from './permissions.ts'

const user = (groups: string[]): User => ({ username: 'u', key: 'k', email: '', displayName: 'u', active: true, groups, timeZone: 'UTC' })

describe('isAdmin', () => {
  it('is true for members of an admin group', () => {
    const config = loadConfig({ adminGroups: ['ops', 'root'] })
    expect(isAdmin(user(['root']), config)).toBe(true)
    expect(isAdmin(user(['dev', 'ops']), config)).toBe(true)
    expect(isAdmin(user(['admins']), config)).toBe(false)
    expect(isAdmin(user([]), config)).toBe(false)
  })

  it('is false for everyone when no admin group is configured', () => {
    expect(isAdmin(user(['admins']), loadConfig({ adminGroups: [] }))).toBe(false)
  })
})

describe('holds', () => {
  const config = loadConfig({ apiTokens: { permissions: { use: ['api'], createForOthers: [] } } })
  const { use, createForSelf, createForOthers } = config.compiled.grants

  it('grants "everyone" to every user', () => {
    expect(holds(user([]), createForSelf, config)).toBe(true)
  })

  it('grants a group list to its members only', () => {
    expect(holds(user(['api']), use, config)).toBe(true)
    expect(holds(user(['API']), use, config)).toBe(false)
    expect(holds(user(['dev']), use, config)).toBe(false)
  })

  it('grants an empty list to admins only', () => {
    expect(holds(user(['dev']), createForOthers, config)).toBe(false)
    expect(holds(user(['admins']), createForOthers, config)).toBe(true)
    expect(holds(user(['admins']), use, config)).toBe(true)
  })
})
