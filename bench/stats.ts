/** Medians and number formats shared by the bench scripts' tables. */

/** The median (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** A rate, rounded, with thousands separators. */
export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

/** A ratio as a percentage with one decimal. */
export const pct = (n: number): string => `${(n * 100).toFixed(1)}%`
