// `bench transfer`: flags → runTransfer per size → a table of fetch, export, plain TCP and bare
// libp2p stream MB/s, and the fetch/TCP ratio against the goal (≥ 0.5).
import { contentDefaults } from '../data/index.js'
import { BenchUsageError, intFlag, numberFlag, parseExperimentArgs } from './args.js'
import type { Experiment } from './experiment.js'
import { RATIO_GOAL, runTransfer, type TransferRun } from './transfer.js'

/** A size that could not be measured; `error` says why. */
interface TransferFailure { experiment: 'transfer', bytes: number, error: string }

const OPTIONS = {
  size: { type: 'string' },
  concurrency: { type: 'string' },
  stall: { type: 'string' }
} as const

const USAGE = `bench transfer [flags]   a task input fetched by bitswap between two peer processes on loopback, against a plain TCP copy
  --size LIST       comma list of sizes, with k, m or g (10^3, 10^6, 10^9 bytes) (default 100m)
  --concurrency N   blocks the fetch wants at once (default ${contentDefaults.FETCH_CONCURRENCY})
  --stall SECONDS   the fetch gives up after this long without a block (default 30)`

const UNITS: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 }

/** "100m,1g" → [100e6, 1e9]. */
export function parseSizes (raw: string | boolean | undefined): number[] {
  if (raw === undefined) return [100e6]
  const parts = typeof raw === 'string' ? raw.split(',').map(s => s.trim().toLowerCase()) : []
  const sizes = parts.map(p => {
    const m = /^(\d+(?:\.\d+)?)([kmg]?)$/.exec(p)
    return m === null ? NaN : Math.round(Number(m[1]) * UNITS[m[2]!]!)
  })
  if (sizes.length === 0 || sizes.some(n => !Number.isSafeInteger(n) || n < 1)) {
    throw new BenchUsageError(`bench transfer: --size must be a comma list of sizes like 100m,1g, got "${String(raw)}"`)
  }
  return sizes
}

export const transferExperiment: Experiment = {
  name: 'transfer',
  usage: USAGE,
  run: async (argv, print) => {
    const v = parseExperimentArgs('transfer', argv, OPTIONS)
    const o = {
      sizes: parseSizes(v.size),
      fetchConcurrency: intFlag('transfer', 'concurrency', v.concurrency, contentDefaults.FETCH_CONCURRENCY, 1),
      stallMs: Math.round(numberFlag('transfer', 'stall', v.stall, 30) * 1000)
    }
    print(`transfer: ${o.sizes.map(formatSize).join(', ')} from peer A to peer B (two processes, 127.0.0.1), ${o.fetchConcurrency} blocks wanted at once`)
    const results: Array<TransferRun | TransferFailure> = []
    for (const bytes of o.sizes) {
      print(`\n== ${formatSize(bytes)}`)
      try {
        const run = await runTransfer(bytes, o, print)
        // a fast transfer of the wrong bytes is a failure, whatever its figures
        results.push(run.verified ? run : { ...run, error: 'the exported file differs from the added one (sha256)' })
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err)
        print(`   FAILED: ${error}`)
        results.push({ experiment: 'transfer', bytes, error })
      }
    }
    for (const line of describeTransfer(results)) print(line)
    return results
  }
}

const formatSize = (bytes: number): string => bytes >= 1e9 ? `${bytes / 1e9} GB` : bytes >= 1e6 ? `${bytes / 1e6} MB` : `${bytes / 1e3} kB`
const pad = (s: string | number, n: number): string => String(s).padStart(n)

/** The table: one row per size. */
export function describeTransfer (results: Array<TransferRun | TransferFailure>): string[] {
  const lines = ['', `== transfer (MB/s; goal: fetch ≥ ${RATIO_GOAL} × plain TCP)`, `   ${pad('size', 8)} ${pad('add', 7)} ${pad('fetch', 7)} ${pad('export', 7)} ${pad('TCP', 7)} ${pad('stream', 7)} ${pad('ratio', 6)} ${pad('stream/TCP', 10)} ${pad('RSS fetch/export MiB', 21)}  sha256   goal`]
  for (const r of results) {
    if ('error' in r) { lines.push(`   ${pad(formatSize(r.bytes), 8)} FAILED: ${r.error}`); continue }
    lines.push(`   ${pad(formatSize(r.bytes), 8)} ${pad(r.add.mbPerSec, 7)} ${pad(r.fetch.mbPerSec, 7)} ${pad(r.export.mbPerSec, 7)} ${pad(r.tcp.mbPerSec, 7)} ${pad(r.stream.mbPerSec, 7)} ${pad(r.ratio, 6)} ${pad(r.streamRatio, 10)} ${pad(`${r.fetch.peakRssMb}/${r.export.peakRssMb}`, 21)}  same     ${r.goalMet ? 'MET' : 'NOT MET'}`)
  }
  return lines
}
