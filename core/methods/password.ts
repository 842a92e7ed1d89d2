import type { Stores } from '../../storage/types.ts'
import type { MethodResult } from './result.ts'

/**
 * Authenticates a username (or email address) and password against the directory. An
 * unknown user, an inactive one and a wrong password get the same answer, and the
 * directory hashes something in every case so the time does not tell them apart.
 */
export async function authenticatePassword(name: string, password: string, stores: Stores): Promise<MethodResult> {
  const user = await stores.users.find(name)
  const valid = await stores.users.verifyPassword(user?.username ?? name, password)
  if (!user || !valid || !user.active) return { ok: false, error: 'password_invalid' }
  return { ok: true, user, via: 'password' }
}
