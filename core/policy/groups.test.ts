import { describe, expect, it } from 'vitest'
import type { User } from '../../storage/types.ts'
import { loadConfig } from '../config/load.ts'
import { groupRefusal } from './groups.ts'

const user = (groups: string[]): User => ({ username: 'u', key: 'k', email: '', displayName: 'u', active: true, groups, timeZone: 'UTC' })

describe('groupRefusal', () => {
  it('refuses nobody with the defaults', () => {
    const config = loadConfig({})
    for (const method of ['GET', 'POST', 'DELETE', 'PATCH']) expect(groupRefusal(user([]), method, false, config)).toBeUndefined()
  })

  describe('allow API access', () => {
    const config = loadConfig({ access: { allowedGroups: ['api', 'ops'] } })

    it('lets members of any allowed group through', () => {
      expect(groupRefusal(user(['api']), 'GET', false, config)).toBeUndefined()
      expect(groupRefusal(user(['dev', 'ops']), 'POST', false, config)).toBeUndefined()
    })

    it('refuses everyone else with group_not_allowed, on every route', () => {
      for (const groups of [[], ['dev'], ['API'], ['admins']]) {
        expect([groups, groupRefusal(user(groups), 'GET', false, config)]).toEqual([groups, 'group_not_allowed'])
        expect([groups, groupRefusal(user(groups), 'POST', true, config)]).toEqual([groups, 'group_not_allowed'])
      }
    })

    it('refuses everyone when the list is empty', () => {
      expect(groupRefusal(user(['admins']), 'GET', false, loadConfig({ access: { allowedGroups: [] } }))).toBe('group_not_allowed')
    })
  })

  describe('read-only groups', () => {
    const config = loadConfig({ access: { readOnlyGroups: ['viewers'] } })

    it('allow GET, HEAD and OPTIONS', () => {
      for (const method of ['GET', 'HEAD', 'OPTIONS']) expect([method, groupRefusal(user(['viewers']), method, false, config)]).toEqual([method, undefined])
    })

    it('refuse every other method with read_only_write', () => {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'PROPFIND', 'get']) {
        expect([method, groupRefusal(user(['viewers']), method, false, config)]).toEqual([method, 'read_only_write'])
      }
      expect(groupRefusal(user(['dev', 'viewers']), 'POST', false, config)).toBe('read_only_write')
    })

    it('leave non-members alone', () => {
      expect(groupRefusal(user(['dev']), 'DELETE', false, config)).toBeUndefined()
      expect(groupRefusal(user(['Viewers']), 'DELETE', false, config)).toBeUndefined()
    })

    it('exempt the token API', () => {
      for (const method of ['POST', 'DELETE']) expect(groupRefusal(user(['viewers']), method, true, config)).toBeUndefined()
    })
  })

  it('checks allow API access before read-only', () => {
    const config = loadConfig({ access: { allowedGroups: ['api'], readOnlyGroups: ['viewers'] } })
    expect(groupRefusal(user(['viewers']), 'POST', false, config)).toBe('group_not_allowed')
    expect(groupRefusal(user(['api', 'viewers']), 'POST', false, config)).toBe('read_only_write')
    expect(groupRefusal(user(['api', 'viewers']), 'GET', false, config)).toBeUndefined()
  })
})
