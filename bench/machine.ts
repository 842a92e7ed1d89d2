/**
 * Machine-load helpers for the benchmarks: how much CPU the whole machine spent, so a run
 * can report how much of it came from other processes (a shared host, a test run next door).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/**
 * CPU-seconds the whole machine has spent busy since boot (user, nice, system, irq, softirq
 * from /proc/stat), or `undefined` where /proc/stat does not exist.
 */
export function machineBusySeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number)
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = fields
    return (user + nice + system + irq + softirq) / ticksPerSecond
  } catch {
    return undefined
  }
}

/** The system load averages (1, 5, 15 min) as printed, or `n/a`. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  } catch {
    return 'n/a'
  }
}
