// The claim benchmark at a tiny size: it must run end to end in-process, and the protocol must
// hold its invariants while a lease holder is killed: every task succeeds, no task has two
// results, and the orphaned task runs elsewhere within ttl + 1 s (DESIGN.md "Lease – heartbeat – fencing").
import { describe, expect, it } from 'vitest'
import { runClaim } from '../../src/main/bench/claim.js'
import { describeClaim } from '../../src/main/bench/claim-command.js'
import { summaryLine } from '../../src/main/bench/results.js'

const TTL_MS = 3000

describe('bench claim (5 peers, 20 tasks, 1 kill)', () => {
  it('completes every task once and recovers the killed lease within ttl + 1 s', async () => {
    const progress: string[] = []
    // Spare slots (4 per peer) so the orphaned task does not queue behind fresh ones: this checks
    // recovery time, not queueing.
    const summary = await runClaim({ peers: 5, tasks: 20, slots: 4, ttlMs: TTL_MS, taskMs: 1000, kills: 1, timeoutMs: 45_000 }, line => { progress.push(line) })
    const report = [...progress, ...describeClaim(summary)].join('\n')

    expect(summary.successRate, report).toBe(1)
    expect(summary.duplicateCommits, report).toBe(0)
    expect(summary.kills, report).toBe(1)
    expect(summary.mttrEndToEndMs.n, report).toBeGreaterThanOrEqual(1)
    expect(summary.mttrEndToEndMs.p95!, report).toBeLessThanOrEqual(TTL_MS + 1000)

    // The one-line JSON summary scripts read from the last line of stdout.
    const line = summaryLine([summary])
    expect(line).not.toContain('\n')
    const parsed = JSON.parse(line)
    for (const field of ['experiment', 'peers', 'tasks', 'slotsPerPeer', 'executor', 'successRate', 'duplicateCommits',
      'duplicateExecutions', 'claimLatencyMs', 'mttrEndToEndMs', 'mttrDetectedMs', 'leaseTtlMs', 'kills', 'durationMs']) {
      expect(parsed, field).toHaveProperty(field)
    }
    expect(parsed.executor).toBe('simulated-sleep (no containers)')
    expect(parsed.claimLatencyMs).toEqual({ p50: expect.any(Number), p95: expect.any(Number), max: expect.any(Number), n: 20 })
    expect(parsed.leaseTtlMs).toBe(TTL_MS)
  }, 90_000)
})
