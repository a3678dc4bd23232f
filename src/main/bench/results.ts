// Where results go: bench/results/<experiment>-<ISO time>.json with the command line and the
// machine, and the one-line JSON summary that is always the last line of stdout.
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** bench/results at the repository root, from src/main/bench (tsx) or dist/main/bench (built). */
export const RESULTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bench/results')

export function machineInfo (): object {
  const list = cpus()
  return { cpus: list.length, cpuModel: list[0]?.model ?? 'unknown', totalMemMb: Math.round(totalmem() / 2 ** 20), node: process.version, platform: `${process.platform}-${process.arch}` }
}

/**
 * Files written next to the JSON with its base name (a chart: <experiment>-<time>.svg). A symbol key,
 * so JSON.stringify leaves them out of the summary.
 */
export const COMPANION_FILES = Symbol('companion files')
export interface CompanionFile { ext: string, content: string }

export function withCompanions<T extends object> (summary: T, files: CompanionFile[]): T {
  return Object.assign(summary, { [COMPANION_FILES]: files })
}

/** Where the summaries' companion files go: one summary → <base>.<ext>; several → <base>-<i>.<ext>. */
export function companionPaths (jsonPath: string, summaries: object[]): Array<{ path: string, file: CompanionFile }> {
  const base = jsonPath.replace(/\.json$/, '')
  return summaries.flatMap((s, i) => ((s as { [COMPANION_FILES]?: CompanionFile[] })[COMPANION_FILES] ?? [])
    .map(file => ({ path: `${base}${summaries.length === 1 ? '' : `-${i}`}.${file.ext}`, file })))
}

/** One summary → that object; several → an array (one line either way). */
export function summaryLine (summaries: object[]): string {
  return JSON.stringify(summaries.length === 1 ? summaries[0] : summaries)
}

export async function writeResults (experiment: string, argv: string[], startedAt: Date, summaries: object[], dir = RESULTS_DIR): Promise<string> {
  // Colons are legal on Linux but not on every filesystem a results dir gets copied to.
  const path = join(dir, `${experiment}-${startedAt.toISOString().replace(/:/g, '-')}.json`)
  await mkdir(dirname(path), { recursive: true })
  // A database URL's password (bench spof --db) must not land in a results file.
  const command = `npm run bench -- ${[experiment, ...argv].join(' ')}`.replace(/(\/\/[^:/@\s]+):[^@\s]*@/g, '$1:***@')
  const body = { command, startedAt: startedAt.toISOString(), machine: machineInfo(), results: summaries }
  await writeFile(path, JSON.stringify(body, null, 2) + '\n')
  for (const c of companionPaths(path, summaries)) await writeFile(c.path, c.file.content)
  return path
}
