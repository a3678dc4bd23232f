// Argument parsing for the bench: node:util parseArgs in strict mode, every failure one line that
// names the experiment and the flag (the entry turns BenchUsageError into exit code 2).
import { parseArgs, type ParseArgsConfig } from 'node:util'

export class BenchUsageError extends Error {
  override name = 'BenchUsageError'
}

export type BenchOptions = NonNullable<ParseArgsConfig['options']>

/** Parses `argv` against `options`; unknown flags, missing values and positionals are usage errors. */
export function parseExperimentArgs<T extends BenchOptions> (experiment: string, argv: string[], options: T): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false })
    return values as Record<string, string | boolean | undefined>
  } catch (err: unknown) {
    // parseArgs messages are long and multi-line; keep the first line, which names the flag.
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.replace(/\. To specify .*$/, '')
    throw new BenchUsageError(`bench ${experiment}: ${first}`)
  }
}

/** A whole number ≥ min, or the flag's default when absent. */
export function intFlag (experiment: string, flag: string, raw: string | boolean | undefined, fallback: number, min = 0): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new BenchUsageError(`bench ${experiment}: --${flag} must be a whole number ≥ ${min}, got "${String(raw)}"`)
  }
  return n
}

/** A number > 0 (decimals allowed, e.g. --ttl 2.5), or the default. */
export function numberFlag (experiment: string, flag: string, raw: string | boolean | undefined, fallback: number): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new BenchUsageError(`bench ${experiment}: --${flag} must be a number > 0, got "${String(raw)}"`)
  }
  return n
}

/** A comma list of whole numbers ≥ min ("10,50"). */
export function intListFlag (experiment: string, flag: string, raw: string | boolean | undefined, fallback: number[], min = 1): number[] {
  if (raw === undefined) return fallback
  const parts = typeof raw === 'string' ? raw.split(',').map(s => s.trim()) : []
  if (parts.length === 0 || parts.some(p => !/^\d+$/.test(p) || Number(p) < min)) {
    throw new BenchUsageError(`bench ${experiment}: --${flag} must be a comma list of whole numbers ≥ ${min}, got "${String(raw)}"`)
  }
  return parts.map(Number)
}
