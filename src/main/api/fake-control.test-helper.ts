// A ControlApi with fixed answers for the API and CLI unit tests (never used outside tests).
import type { ControlApi, ControlJobsQuery, ControlNodeView, ControlSummary, JobRow } from '../../shared/control-api.js'
import { controlMetrics } from '../control/control-metrics.js'
import { InvalidQueryError, UnknownTaskError } from '../control/errors.js'

export const TASK = 'a'.repeat(64)
export const NOW = 1_700_000_000_000

export const JOB: JobRow = {
  id: TASK, status: 'succeeded', leaseToken: 2, holder: '12D3KooWholderholder', seq: 4, attempts: 2, exitCode: 0, error: null,
  resultCid: null, sigHash: 'ab', ttlSec: 3, submitter: '12D3KooWsubmitter', submitterName: 'alice', image: 'busybox',
  command: ['sh', '-c', 'sleep 1'], cpu: 1, memoryMb: 256, timeoutSec: 60, maxAttempts: 3, metrics: null,
  createdAt: NOW - 5000, updatedAt: NOW, finishedAt: NOW, observedAt: NOW
}

export const SUMMARY: ControlSummary = {
  tasks: 3, byStatus: { succeeded: 2, running: 1 }, successRate: 1, nodes: 2, nodesAlive: 1,
  recovery: { count: 1, p50Ms: 3500, p95Ms: 3500, maxMs: 3500 },
  database: { kind: 'pglite', up: true, queued: 0, dropped: 0, written: 42, lastReconcileAt: NOW },
  generatedAt: NOW
}

export const node = (name: string, alive: boolean): ControlNodeView => ({
  peerId: `12D3KooW${name}`, name, version: '0.1.0', cores: 4, idleCpuPct: 75, freeMemMb: 1000, lendableCpu: 2.5,
  lendableMemMb: 2048, sharing: 'on', dockerOk: true, allowNetwork: false, runningTasks: 1, seq: 3, sigHash: 'ab',
  updatedAt: NOW, lastSeen: NOW, alive,
  utilisation: { windowMin: 60, samples: 2, avgIdleCpuPct: 70, avgRunningTasks: 1, avgLentShare: 0.25 },
  tasks: { running: 1, succeeded: 2, failed: 0 }
})
// A name with every character the exposition format must escape in a label value.
export const NODES = [node('desk "A" \\ 1\nsecond line', true), node('gone', false)]

/** Remembers the queries it was asked, answers like the real one (InvalidQueryError for a bad filter). */
export function fakeControl (): ControlApi & { queries: ControlJobsQuery[] } {
  const queries: ControlJobsQuery[] = []
  return {
    queries,
    summary: async () => SUMMARY,
    jobs: async (q) => {
      queries.push(q)
      if (q.limit === 999) throw new InvalidQueryError('limit', 'limit must be a whole number from 1 to 500')
      return [JOB]
    },
    job: async (id) => {
      if (id !== TASK) throw new UnknownTaskError(id)
      return { job: JOB, events: [], recoveries: [] }
    },
    nodes: async () => NODES,
    metrics: async () => controlMetrics(SUMMARY, { ...SUMMARY.recovery, sumMs: 3500 }, NODES)
  }
}
