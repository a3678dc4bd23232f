// mcloud report: the control peer's summary (tasks, success rate, nodes, recovery times, its
// database) and the latest jobs, read from its database through the local API.
import type { ControlSummary, JobRow, Percentiles } from '../../shared/control-api.js'
import { TASK_STATUSES, type TaskStatus } from '../../shared/schemas.js'
import { ApiClientError, PeerNotRunningError } from '../api/index.js'
import { CLIENT_OPTIONS, CliError, parseCommandArgs, parseIntFlag, resolveDataDir, UsageError } from './args.js'
import { shortPeerId, shortTaskId, table } from './format.js'
import { connect, printJson, type CliIo } from './io.js'

export const REPORT_OPTIONS = {
  ...CLIENT_OPTIONS,
  status: { type: 'string' },
  limit: { type: 'string' }
} as const

const DEFAULT_LIMIT = 20
const MAX_LIMIT = 1000

export async function reportCommand (argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('report', argv, REPORT_OPTIONS, false)
  const limit = values.limit === undefined ? DEFAULT_LIMIT : parseIntFlag('--limit', values.limit, 1, MAX_LIMIT)
  const status = values.status
  if (status !== undefined && !(TASK_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`--status: expected one of ${TASK_STATUSES.join(', ')}, got "${status}"`)
  }
  const client = await connect(resolveDataDir(values['data-dir'], io.env)).catch((err: unknown) => {
    // The generic hint names the agent; a report needs the control peer.
    throw err instanceof PeerNotRunningError ? new PeerNotRunningError(err.message.replace('mcloud agent', 'mcloud control')) : err
  })
  let summary: ControlSummary
  let jobs: JobRow[]
  try {
    [summary, jobs] = await Promise.all([client.controlSummary(), client.controlJobs({ status: status as TaskStatus | undefined, limit })])
  } catch (err) {
    throw explain(err)
  }
  if (values.json === true) printJson(io, { summary, jobs })
  else io.stdout.write(formatSummary(summary, Date.now()) + '\n' + formatJobs(jobs, status))
  return 0
}

/** The two answers only a control peer gives, in words the admin can act on. */
function explain (err: unknown): unknown {
  if (!(err instanceof ApiClientError)) return err
  if (err.status === 404 && err.message.includes('not a control peer')) {
    return new CliError('this peer is not a control peer (start one with: mcloud control, and point --data-dir at its data dir)')
  }
  if (err.status === 503) return new CliError('the control database is still opening; try again in a moment')
  return err
}

const pct = (r: number): string => `${(r * 100).toFixed(1).replace(/\.0$/, '')}%`

export function duration (msValue: number | null): string {
  if (msValue === null) return '-'
  if (msValue < 1000) return `${Math.round(msValue)} ms`
  if (msValue < 120_000) return `${(msValue / 1000).toFixed(1)} s`
  if (msValue < 120 * 60_000) return `${Math.round(msValue / 60_000)} min`
  if (msValue < 48 * 3600_000) return `${Math.round(msValue / 3600_000)} h`
  return `${Math.round(msValue / 86_400_000)} days`
}

function recoveryLine (r: Percentiles): string {
  if (r.count === 0) return 'no re-claims'
  return `${r.count} re-claim${r.count === 1 ? '' : 's'}: p50 ${duration(r.p50Ms)}, p95 ${duration(r.p95Ms)}, max ${duration(r.maxMs)}`
}

export function formatSummary (s: ControlSummary, now: number): string {
  const byStatus = Object.entries(s.byStatus).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`).join(', ')
  const finished = (s.byStatus.succeeded ?? 0) + (s.byStatus.failed ?? 0)
  const db = s.database
  const reconciled = db.lastReconcileAt === null ? 'not reconciled yet' : `reconciled ${duration(Math.max(0, now - db.lastReconcileAt))} ago`
  const lines: Array<[string, string]> = [
    ['tasks', s.tasks === 0 ? '0' : `${s.tasks}: ${byStatus}`],
    ['success', s.successRate === null ? '- (nothing finished yet)' : `${pct(s.successRate)} (${s.byStatus.succeeded ?? 0} of ${finished} finished)`],
    ['nodes', `${s.nodesAlive} alive of ${s.nodes} known`],
    ['recovery', recoveryLine(s.recovery)],
    ['database', `${db.kind} ${db.up ? 'up' : 'DOWN'}: ${db.queued} queued, ${db.dropped} dropped, ${db.written} written; ${reconciled}`]
  ]
  return lines.map(([k, v]) => `${k.padEnd(9)} ${v}`).join('\n') + '\n'
}

const orDash = (v: string | number | null): string => (v === null ? '-' : String(v))

export function formatJobs (jobs: JobRow[], status: string | undefined): string {
  if (jobs.length === 0) return status === undefined ? 'no jobs\n' : `no ${status} jobs\n`
  const rows = jobs.map((j) => [
    shortTaskId(j.id), j.status ?? 'unknown', orDash(j.leaseToken), shortPeerId(j.holder), orDash(j.attempts), orDash(j.exitCode),
    orDash(j.image), j.updatedAt === null ? '-' : new Date(j.updatedAt).toISOString().replace('T', ' ').slice(0, 19)
  ])
  return table(['TASK', 'STATUS', 'EPOCH', 'HOLDER', 'ATTEMPTS', 'EXIT', 'IMAGE', 'UPDATED (UTC)'], rows)
}
