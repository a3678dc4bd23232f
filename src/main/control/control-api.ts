// The control peer's read API (shared/control-api.ts): what its API server answers at
// /api/control/* and /metrics, from the mirrored tables and the mirror's own counters.
import type { ControlApi, ControlJobsQuery, ControlSummary } from '../../shared/control-api.js'
import { controlMetrics } from './control-metrics.js'
import type { ControlStore } from './control-store.js'
import { UnknownTaskError } from './errors.js'
import type { ControlReports, RecoveryStats } from './reports.js'

/** The mirror's view of its database (Mirror implements it). */
export interface DatabaseStatus {
  readonly databaseUp: boolean
  readonly queued: number
  readonly dropped: number
  readonly written: number
  readonly lastReconcileAt: number | null
}

export interface ControlApiInit {
  store: ControlStore
  reports: ControlReports
  database: DatabaseStatus
  kind: 'pg' | 'pglite'
  /** Default Date.now; liveness and the utilisation window are measured from it. */
  clock?: () => number
}

export function createControlApi (init: ControlApiInit): ControlApi {
  const { store, reports, database } = init
  const clock = init.clock ?? Date.now

  const summaryWith = async (): Promise<{ summary: ControlSummary, recovery: RecoveryStats }> => {
    const now = clock()
    const [base, nodesAlive, recovery] = await Promise.all([store.summary(), reports.nodesAlive(now), reports.recoveryStats()])
    const { sumMs: _sum, ...percentiles } = recovery
    const summary: ControlSummary = {
      ...base,
      nodesAlive,
      recovery: percentiles,
      database: {
        kind: init.kind,
        up: database.databaseUp,
        queued: database.queued,
        dropped: database.dropped,
        written: database.written,
        lastReconcileAt: database.lastReconcileAt
      },
      generatedAt: now
    }
    return { summary, recovery }
  }

  return {
    summary: async () => (await summaryWith()).summary,
    // The store checks the query and throws InvalidQueryError naming the field.
    jobs: async (query: ControlJobsQuery) => await store.jobs(query),
    job: async (taskId) => {
      const [job, events, recoveries] = await Promise.all([store.job(taskId), reports.events(taskId), reports.recoveries(taskId)])
      if (job === undefined) throw new UnknownTaskError(taskId)
      return { job, events, recoveries }
    },
    nodes: async () => await reports.nodeViews(clock()),
    metrics: async () => {
      const [{ summary, recovery }, nodes] = await Promise.all([summaryWith(), reports.nodeViews(clock())])
      return controlMetrics(summary, recovery, nodes)
    }
  }
}
