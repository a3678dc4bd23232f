// `npm run bench -- <experiment> [flags]`: runs one experiment, prints human-readable blocks, writes
// bench/results/<experiment>-<time>.json, and prints the JSON summary as the LAST line of stdout
// (scripts read that line). Bad input: one line naming the experiment or flag, exit code 2.
import { BenchUsageError } from './args.js'
import type { Experiment } from './experiment.js'
import { companionPaths, summaryLine, writeResults } from './results.js'

// Loaded lazily so one experiment's imports (and its start-up cost) never burden another.
// New experiments (scale, chaos, partition, throughput, spof, transfer) add one line each.
const EXPERIMENTS: Record<string, () => Promise<Experiment>> = {
  claim: async () => (await import('./claim-command.js')).claimExperiment,
  latency: async () => (await import('./latency-command.js')).latencyExperiment,
  idle: async () => (await import('./idle-command.js')).idleExperiment,
  partition: async () => (await import('./partition-command.js')).partitionExperiment,
  scale: async () => (await import('./scale-command.js')).scaleExperiment,
  spof: async () => (await import('./spof-command.js')).spofExperiment,
  throughput: async () => (await import('./throughput-command.js')).throughputExperiment,
  chaos: async () => (await import('./chaos-command.js')).chaosExperiment,
  flood: async () => (await import('./flood-command.js')).floodExperiment,
  transfer: async () => (await import('./transfer-command.js')).transferExperiment
}

const EXIT_USAGE = 2
const names = Object.keys(EXPERIMENTS).join(', ')

async function main (argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(`usage: npm run bench -- <experiment> [flags]   experiments: ${names}\n`)
    return name === undefined ? EXIT_USAGE : 0
  }
  const load = EXPERIMENTS[name]
  if (load === undefined) throw new BenchUsageError(`bench: unknown experiment "${name}" (known: ${names})`)
  const experiment = await load()
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(experiment.usage + '\n')
    return 0
  }
  const startedAt = new Date()
  const summaries = await experiment.run(rest, line => { process.stdout.write(line + '\n') })
  const path = await writeResults(name, rest, startedAt, summaries)
  process.stdout.write(`\nresults written to ${path}\n`)
  for (const c of companionPaths(path, summaries)) process.stdout.write(`${c.file.ext} written to ${c.path}\n`)
  process.stdout.write(summaryLine(summaries) + '\n')
  // A configuration that could not be measured carries `error`: the run is a failure.
  return summaries.some(s => 'error' in s) ? 1 : 0
}

// libp2p logs only when asked for explicitly: benches must keep stdout readable.
if (process.env.MCLOUD_BENCH_DEBUG === undefined) delete process.env.DEBUG

main(process.argv.slice(2)).then(code => { process.exit(code) }, (err: unknown) => {
  if (err instanceof BenchUsageError) {
    process.stderr.write(err.message + '\n')
    process.exit(EXIT_USAGE)
  }
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
