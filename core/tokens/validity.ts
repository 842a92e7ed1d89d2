/**
 * Token validity: the choices a user picks from and the admin's maximum that bounds them.
 */

/** What a user may ask for when creating a token. */
export const validityChoices = ['never', '1m', '2m', '3m', '4m', '5m', '6m', '1y', '2y'] as const
/** A validity choice. */
export type Validity = (typeof validityChoices)[number]

/** The maximum an admin may set. */
export const maxValidityChoices = ['6m', '1y', '2y', 'never'] as const
/** An admin maximum. */
export type MaxValidity = (typeof maxValidityChoices)[number]

const allowedUnder: Record<MaxValidity, readonly Validity[]> = {
  '6m': ['6m'],
  '1y': ['6m', '1y'],
  '2y': ['6m', '1y', '2y'],
  never: validityChoices,
}

/** The choices a user may pick under a maximum. */
export function allowedValidities(max: MaxValidity): readonly Validity[] {
  return allowedUnder[max]
}

const months: Record<Exclude<Validity, 'never'>, number> = {
  '1m': 1, '2m': 2, '3m': 3, '4m': 4, '5m': 5, '6m': 6, '1y': 12, '2y': 24,
}

/**
 * The expiry instant (epoch ms) of a token created at `now`, or `null` for never.
 * Calendar months in UTC; a day that does not exist in the target month (31 January
 * plus one month) clamps to that month's last day rather than spilling over.
 */
export function expiryOf(validity: Validity, now: number): number | null {
  if (validity === 'never') return null
  const start = new Date(now)
  const target = new Date(now)
  target.setUTCDate(1)
  target.setUTCMonth(start.getUTCMonth() + months[validity])
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(start.getUTCDate(), lastDay))
  return target.getTime()
}
