// What the control peer exports at /metrics, from the same reads as its summary and node list.
import type { ControlNodeView, ControlSummary } from '../../shared/control-api.js'
import { TASK_STATUSES } from '../../shared/schemas.js'
import { formatMetrics, type MetricFamily, type Sample } from './prometheus.js'
import type { RecoveryStats } from './reports.js'

const seconds = (msValue: number | null): number => (msValue === null ? NaN : msValue / 1000)

export function controlMetrics (summary: ControlSummary, recovery: RecoveryStats, nodes: readonly ControlNodeView[]): string {
  // Every status is exported, zeros included, so a series does not vanish when its count drops to 0.
  const statuses = [...TASK_STATUSES, 'unknown', ...Object.keys(summary.byStatus)]
  const taskSamples = [...new Set(statuses)].map((status): Sample => ({ labels: { status }, value: summary.byStatus[status] ?? 0 }))
  const db = summary.database
  // Utilisation of a node that went away would be a stale number: only its liveness stays.
  const alive = nodes.filter((n) => n.alive)
  const perNode = (pick: (n: ControlNodeView) => number): Sample[] =>
    alive.map((n) => ({ labels: { peer: n.peerId, name: n.name }, value: pick(n) }))

  const families: MetricFamily[] = [
    { name: 'mcloud_control_tasks', help: 'Tasks in the control database by status (unknown: only the spec was seen).', type: 'gauge', samples: taskSamples },
    { name: 'mcloud_control_task_success_ratio', help: 'succeeded / (succeeded + failed); NaN before any task finished.', type: 'gauge', samples: [{ value: summary.successRate ?? NaN }] },
    {
      name: 'mcloud_control_nodes',
      help: 'Nodes known to the control peer, and those whose meta was seen in the last 60 s.',
      type: 'gauge',
      samples: [{ labels: { state: 'alive' }, value: summary.nodesAlive }, { labels: { state: 'known' }, value: summary.nodes }]
    },
    {
      name: 'mcloud_control_recovery_seconds',
      help: "Time from a stopped holder's last record to the next holder's lease, over every task.",
      type: 'summary',
      samples: [
        { labels: { quantile: '0.5' }, value: seconds(recovery.p50Ms) },
        { labels: { quantile: '0.95' }, value: seconds(recovery.p95Ms) },
        { suffix: '_sum', value: recovery.sumMs / 1000 },
        { suffix: '_count', value: recovery.count }
      ]
    },
    { name: 'mcloud_control_recovery_max_seconds', help: 'The longest recovery gap seen; NaN before any recovery.', type: 'gauge', samples: [{ value: seconds(recovery.maxMs) }] },
    { name: 'mcloud_control_db_up', help: 'Whether the control database accepts writes (1) or is away (0).', type: 'gauge', samples: [{ labels: { kind: db.kind }, value: db.up ? 1 : 0 }] },
    { name: 'mcloud_control_db_queue_length', help: 'Records waiting to be written to the control database.', type: 'gauge', samples: [{ value: db.queued }] },
    { name: 'mcloud_control_db_dropped_total', help: 'Records that fell out of the bounded queue (a reconcile catches them up).', type: 'counter', samples: [{ value: db.dropped }] },
    { name: 'mcloud_control_db_written_total', help: 'Records written to the control database.', type: 'counter', samples: [{ value: db.written }] },
    {
      name: 'mcloud_control_last_reconcile_timestamp_seconds',
      help: 'When open tasks were last re-read from the DHT (Unix time); NaN before the first reconcile.',
      type: 'gauge',
      samples: [{ value: seconds(db.lastReconcileAt) }]
    },
    {
      name: 'mcloud_node_alive',
      help: 'Whether the node published its meta in the last 60 s.',
      type: 'gauge',
      samples: nodes.map((n) => ({ labels: { peer: n.peerId, name: n.name }, value: n.alive ? 1 : 0 }))
    },
    { name: 'mcloud_node_idle_cpu_percent', help: 'Idle CPU of an alive node, percent of all its cores.', type: 'gauge', samples: perNode((n) => n.idleCpuPct) },
    { name: 'mcloud_node_running_tasks', help: 'Tasks an alive node runs now.', type: 'gauge', samples: perNode((n) => n.runningTasks) },
    { name: 'mcloud_node_lendable_cpu', help: 'CPU cores an alive node can lend now.', type: 'gauge', samples: perNode((n) => n.lendableCpu) }
  ]
  return formatMetrics(families)
}
