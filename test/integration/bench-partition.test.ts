// The partition benchmark at a tiny size: six real peers split 2 | 4 by their connection gaters for
// 4 s (twice the lease TTL) while tasks run, then healed. The split must really cut the network;
// the larger half (a majority of the members) keeps claiming and committing, the smaller one waits;
// no task ever has two terminal results selected (DESIGN.md "Lease – heartbeat – fencing": lease
// writes need a majority of the members, lease/membership.ts), and every task completes after the heal.
import { beforeAll, describe, expect, it } from 'vitest'
import { describePartition } from '../../src/main/bench/partition-command.js'
import { runPartition, type PartitionSummary } from '../../src/main/bench/partition.js'
import { summaryLine } from '../../src/main/bench/results.js'

const SPLIT_AT_MS = 1000
const SPLIT_FOR_MS = 4000

describe('bench partition (6 peers, 10 tasks, split 2 | 4 for 4 s with lease ttl 2 s)', () => {
  let summary: PartitionSummary
  let report = ''

  beforeAll(async () => {
    const progress: string[] = []
    summary = await runPartition({ peers: 6, first: 2, tasks: 10, slots: 2, taskMs: 500, ttlMs: 2000, splitAtMs: SPLIT_AT_MS, splitForMs: SPLIT_FOR_MS, timeoutMs: 45_000 }, line => { progress.push(line) })
    report = [...progress, ...describePartition(summary)].join('\n')
  }, 90_000)

  it('cuts every connection between the halves for the split, and completes every task after the heal', () => {
    expect(summary.crossConnectionsBeforeSplit, report).toBeGreaterThan(0)
    expect(summary.crossConnectionsDuringSplit, report).toBe(0)
    expect(summary.healedAtMs - summary.splitAtMs, report).toBeGreaterThanOrEqual(SPLIT_FOR_MS - 50)
    expect(summary.timedOut, report).toBe(false)
    expect(summary.successRate, report).toBe(1)
    expect(summary.halves).toEqual([2, 4])
    // The majority half kept working while apart.
    expect(summary.committed.duringSplit[1], report).toBeGreaterThan(0)
    // ...and says when: its last commit came during the 4 s apart, after the cut.
    expect(summary.lastCommitAfterCutMs[1], report).toBeGreaterThanOrEqual(0)
    expect(summary.lastCommitAfterCutMs[1]!, report).toBeLessThan(summary.healedAtMs - summary.splitAtMs + 1000)

    const parsed = JSON.parse(summaryLine([summary]))
    for (const field of ['experiment', 'peers', 'halves', 'tasks', 'splitAtMs', 'healedAtMs', 'crossConnectionsDuringSplit', 'committed', 'lastCommitAfterCutMs',
      'successRate', 'duplicateCommits', 'duplicateExecutions', 'healToAllCompleteMs', 'eventLoopDelayMs', 'cpuPct']) {
      expect(parsed, field).toHaveProperty(field)
    }
    expect(parsed.duplicateExecutions).toEqual({ tasks: expect.any(Number), totalOverlapMs: expect.any(Number), maxOverlapMs: expect.any(Number), committedTwice: expect.any(Number) })
  })

  it('never selects two terminal results for one task', () => {
    expect(summary.duplicateCommits, report).toBe(0)
  })
})
