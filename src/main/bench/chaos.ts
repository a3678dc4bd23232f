// The chaos experiment (issue 6): the claim bench's testbed and observer, but instead of a few
// kills spread over the run, a share of the providers dies AT ONCE while tasks run, as the research
// prototype did. Reports both MTTR definitions, duplicates, and how loaded the single process was.
import { runClaim, type ClaimSummary, type KillContext } from './claim.js'
import { MachineLoad, type TestbedLoad } from './machine-load.js'
import { waitUntil } from './testbed.js'

export interface ChaosOptions {
  agents: number
  tasks: number
  /** Share of the providers (agents minus submitters) killed at once, in percent. */
  killPct: number
  ttlMs: number
  taskMs: number
  slots: number
  submitters: number
  /** Seconds after the first submit to kill; default: once a third of the tasks were claimed. */
  killAtSec?: number
  timeoutMs: number
}

/** The prototype's published figures (issue 6), shown next to ours. Its MTTR left out detection (TTL 15–20 s). */
export const PROTOTYPE: Record<number, { successRate: number, mttrDetectedMs: number }> = {
  10: { successRate: 1, mttrDetectedMs: 28 },
  20: { successRate: 1, mttrDetectedMs: 42 },
  40: { successRate: 1, mttrDetectedMs: 60 },
  60: { successRate: 1, mttrDetectedMs: 11_050 }
}

export interface ChaosGoals {
  /** 100% of the tasks succeeded. */
  success: boolean
  noDuplicateCommits: boolean
  /** MTTR-end-to-end p95 ≤ TTL + 1 s; null above 40% killed (no goal there) or with nothing to recover. */
  mttrEndToEnd: boolean | null
  /** MTTR-detected p95 ≤ 50 ms; null as above. */
  mttrDetected: boolean | null
}

export type ChaosSummary = Omit<ClaimSummary, 'experiment' | 'peers' | 'kills' | 'killsRequested'> & {
  experiment: 'chaos'
  agents: number
  providers: number
  killPct: number
  /** Providers killed at once (the share of providers, at least 1). */
  killed: number
  /** Seconds from the first submit to the kill; null if the run ended first. */
  killedAtSec: number | null
  /** Killed providers that held at least one lease at the kill. */
  killedHolding: number
  /** Tasks claimed at least once when the kill came. */
  claimedAtKill: number | null
  /** Leases the killed peers held that ran again elsewhere at a higher epoch. */
  leasesRecovered: number
  /** Whole-process RSS at its highest during the run, and divided by the agents. */
  peakRssMb: number
  peakRssPerPeerMb: number
  load: TestbedLoad
  goals: ChaosGoals
  prototype: { successRate: number, mttrDetectedMs: number } | null
}

const RSS_SAMPLE_MS = 500

/** What the kill plan saw, for the summary. */
interface Seen { killedAt?: number, claimedAtKill?: number, killedHolding?: number, load?: TestbedLoad, peakRss: number }

/** Kills `count` providers (holders first) in one instant once the run is under way; measures the load until the run ends. */
function killAtOnce (o: ChaosOptions, count: number, seen: Seen) {
  return async ({ peers, spared, obs, kill, finished, log }: KillContext): Promise<void> => {
    const start = performance.now()
    const load = new MachineLoad()
    const rss = setInterval(() => { seen.peakRss = Math.max(seen.peakRss, process.memoryUsage().rss) }, RSS_SAMPLE_MS)
    try {
      const go = await waitUntil(() => {
        if (finished()) return 'finished'
        const due = o.killAtSec === undefined ? obs.claimedCount >= Math.max(1, Math.ceil(o.tasks / 3)) : performance.now() - start >= o.killAtSec * 1000
        return due && 'go'
      }, o.timeoutMs, 20)
      if (go === 'go') {
        // Lease holders first (in random order): a provider with nothing running dies without
        // anything to recover, and the experiment is about recovery.
        const providers = peers.filter(p => !spared.has(p))
        const victims = shuffle(providers).sort((x, y) => Number(y.scheduler.heldLeases().length > 0) - Number(x.scheduler.heldLeases().length > 0)).slice(0, count)
        const at = performance.now()
        seen.killedAt = at - start
        seen.claimedAtKill = obs.claimedCount
        // One instant for all: every lease is marked before the first transport goes down.
        const leases = victims.map(v => obs.markKilled(v, at))
        seen.killedHolding = leases.filter(n => n > 0).length
        await Promise.all(victims.map(async v => { await kill(v) }))
        log(`  killed ${victims.length}/${providers.length} providers at ${(seen.killedAt / 1000).toFixed(1)} s (${seen.claimedAtKill} tasks claimed), holding ${leases.reduce((a, b) => a + b, 0)} leases; teardown took ${Math.round(performance.now() - at)} ms`)
      } else log('  the run ended before the kill was due: nothing killed')
      await waitUntil(finished, Number.POSITIVE_INFINITY, 100)
    } finally {
      clearInterval(rss)
      seen.peakRss = Math.max(seen.peakRss, process.memoryUsage().rss)
      seen.load = load.stop()
    }
  }
}

function shuffle<T> (items: T[]): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy
}

/** Providers killed for a percentage: rounded, at least one, and never all of them. */
export function victimsFor (providers: number, killPct: number): number {
  return Math.max(1, Math.min(providers - 1, Math.round(providers * killPct / 100)))
}

export async function runChaos (o: ChaosOptions, log: (line: string) => void = () => {}): Promise<ChaosSummary> {
  const submitters = Math.min(o.submitters, o.agents - 2)
  const providers = o.agents - submitters
  const killed = victimsFor(providers, o.killPct)
  const seen: Seen = { peakRss: 0 }
  const claim = await runClaim({
    peers: o.agents, tasks: o.tasks, slots: o.slots, ttlMs: o.ttlMs, taskMs: o.taskMs, kills: killed,
    timeoutMs: o.timeoutMs, submitters, killPlan: killAtOnce(o, killed, seen)
  }, log)
  const { experiment: _e, peers: _p, kills: _k, killsRequested: _r, ...figures } = claim
  const low = o.killPct <= 40 && claim.leasesKilled > 0
  const p95 = (d: { p95: number | null }, max: number): boolean | null => low ? d.p95 !== null && d.p95 <= max && claim.mttrEndToEndMs.n === claim.leasesKilled : null
  return {
    experiment: 'chaos',
    agents: o.agents,
    providers,
    killPct: o.killPct,
    killed,
    ...figures,
    killedAtSec: seen.killedAt === undefined ? null : Math.round(seen.killedAt / 100) / 10,
    claimedAtKill: seen.claimedAtKill ?? null,
    killedHolding: seen.killedHolding ?? 0,
    leasesRecovered: claim.mttrEndToEndMs.n,
    peakRssMb: Math.round(seen.peakRss / 2 ** 20),
    peakRssPerPeerMb: Math.round(seen.peakRss / 2 ** 20 / o.agents * 10) / 10,
    load: seen.load!,
    goals: {
      success: claim.successRate === 1,
      noDuplicateCommits: claim.duplicateCommits === 0,
      mttrEndToEnd: p95(claim.mttrEndToEndMs, o.ttlMs + 1000),
      mttrDetected: p95(claim.mttrDetectedMs, 50)
    },
    prototype: PROTOTYPE[o.killPct] ?? null
  }
}
