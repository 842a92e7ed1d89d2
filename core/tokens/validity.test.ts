import { describe, expect, it } from 'vitest'
import { allowedValidities, expiryOf, maxValidityChoices, validityChoices } from './validity.ts'

describe('validity choices', () => {
  it('offers never, 1 to 6 months, 1 year and 2 years', () => {
    expect(validityChoices).toEqual(['never', '1m', '2m', '3m', '4m', '5m', '6m', '1y', '2y'])
    expect(maxValidityChoices).toEqual(['6m', '1y', '2y', 'never'])
  })
})

describe('allowedValidities', () => {
  it('allows only 6 months under a 6-month maximum', () => {
    expect([...allowedValidities('6m')].sort()).toEqual(['6m'])
  })

  it('allows 1 year or 6 months under a 1-year maximum', () => {
    expect([...allowedValidities('1y')].sort()).toEqual(['1y', '6m'])
  })

  it('allows 2 years, 1 year or 6 months under a 2-year maximum', () => {
    expect([...allowedValidities('2y')].sort()).toEqual(['1y', '2y', '6m'])
  })

  it('allows every choice, 1 to 5 months and never included, with no maximum', () => {
    expect([...allowedValidities('never')].sort()).toEqual(['1m', '1y', '2m', '2y', '3m', '4m', '5m', '6m', 'never'])
  })

  it('never allows never-expiring tokens under a finite maximum', () => {
    for (const max of ['6m', '1y', '2y'] as const) expect(allowedValidities(max)).not.toContain('never')
  })

  it('never allows 1 to 5 months under a finite maximum', () => {
    for (const max of ['6m', '1y', '2y'] as const) {
      for (const short of ['1m', '2m', '3m', '4m', '5m'] as const) expect(allowedValidities(max)).not.toContain(short)
    }
  })
})

describe('expiryOf', () => {
  const at = (iso: string) => Date.parse(iso)
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

  it('is null for never', () => {
    expect(expiryOf('never', at('2025-01-15T12:00:00.000Z'))).toBeNull()
  })

  it('adds calendar months, keeping the time of day to the millisecond', () => {
    const now = at('2025-01-15T12:34:56.789Z')
    expect(iso(expiryOf('1m', now))).toBe('2025-02-15T12:34:56.789Z')
    expect(iso(expiryOf('2m', now))).toBe('2025-03-15T12:34:56.789Z')
    expect(iso(expiryOf('3m', now))).toBe('2025-04-15T12:34:56.789Z')
    expect(iso(expiryOf('4m', now))).toBe('2025-05-15T12:34:56.789Z')
    expect(iso(expiryOf('5m', now))).toBe('2025-06-15T12:34:56.789Z')
    expect(iso(expiryOf('6m', now))).toBe('2025-07-15T12:34:56.789Z')
    expect(iso(expiryOf('1y', now))).toBe('2026-01-15T12:34:56.789Z')
    expect(iso(expiryOf('2y', now))).toBe('2027-01-15T12:34:56.789Z')
  })

  it('clamps 31 January plus one month to the end of February', () => {
    expect(iso(expiryOf('1m', at('2025-01-31T10:00:00.000Z')))).toBe('2025-02-28T10:00:00.000Z')
    expect(iso(expiryOf('1m', at('2024-01-31T10:00:00.000Z')))).toBe('2024-02-29T10:00:00.000Z')
    expect(iso(expiryOf('1m', at('2025-01-29T10:00:00.000Z')))).toBe('2025-02-28T10:00:00.000Z')
  })

  it('clamps to 30-day months', () => {
    expect(iso(expiryOf('1m', at('2025-03-31T00:00:00.000Z')))).toBe('2025-04-30T00:00:00.000Z')
    expect(iso(expiryOf('3m', at('2025-05-31T00:00:00.000Z')))).toBe('2025-08-31T00:00:00.000Z')
    expect(iso(expiryOf('6m', at('2024-08-31T23:59:59.999Z')))).toBe('2025-02-28T23:59:59.999Z')
  })

  it('crosses year ends', () => {
    expect(iso(expiryOf('1m', at('2024-12-15T08:00:00.000Z')))).toBe('2025-01-15T08:00:00.000Z')
    expect(iso(expiryOf('3m', at('2024-11-30T08:00:00.000Z')))).toBe('2025-02-28T08:00:00.000Z')
    expect(iso(expiryOf('2m', at('2023-12-31T08:00:00.000Z')))).toBe('2024-02-29T08:00:00.000Z')
  })

  it('moves 29 February to 28 February in years that have none', () => {
    expect(iso(expiryOf('1y', at('2024-02-29T12:00:00.000Z')))).toBe('2025-02-28T12:00:00.000Z')
    expect(iso(expiryOf('2y', at('2024-02-29T12:00:00.000Z')))).toBe('2026-02-28T12:00:00.000Z')
  })

  it('works in UTC whatever the date is near midnight', () => {
    expect(iso(expiryOf('1m', at('2025-01-31T23:59:59.999Z')))).toBe('2025-02-28T23:59:59.999Z')
    expect(iso(expiryOf('1m', at('2025-03-01T00:00:00.000Z')))).toBe('2025-04-01T00:00:00.000Z')
  })

  it('is always later than now', () => {
    for (const validity of validityChoices) {
      if (validity === 'never') continue
      for (const start of ['2024-01-31T00:00:00.000Z', '2024-02-29T00:00:00.000Z', '2025-12-31T23:59:59.999Z']) {
        expect(expiryOf(validity, at(start))! > at(start)).toBe(true)
      }
    }
  })
})
