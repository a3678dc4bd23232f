// The /metrics text before anything happened, and the formatter's own guards.
import { describe, expect, it } from 'vitest'
import type { ControlSummary } from '../../shared/control-api.js'
import { controlMetrics } from './control-metrics.js'
import { formatMetrics } from './prometheus.js'

const EMPTY: ControlSummary = {
  tasks: 0, byStatus: {}, successRate: null, nodes: 0, nodesAlive: 0,
  recovery: { count: 0, p50Ms: null, p95Ms: null, maxMs: null },
  database: { kind: 'pg', up: false, queued: 7, dropped: 3, written: 0, lastReconcileAt: null },
  generatedAt: 0
}

describe('control metrics', () => {
  it('a fresh control peer exports every series: zeros, and NaN where nothing can be measured yet', () => {
    const text = controlMetrics(EMPTY, { count: 0, p50Ms: null, p95Ms: null, maxMs: null, sumMs: 0 }, [])
    for (const status of ['queued', 'leased', 'running', 'succeeded', 'failed', 'cancelled', 'unknown']) {
      expect(text).toContain(`mcloud_control_tasks{status="${status}"} 0\n`)
    }
    expect(text).toContain('mcloud_control_task_success_ratio NaN\n')
    expect(text).toContain('mcloud_control_recovery_seconds{quantile="0.5"} NaN\n')
    expect(text).toContain('mcloud_control_recovery_seconds_sum 0\nmcloud_control_recovery_seconds_count 0\n')
    expect(text).toContain('mcloud_control_db_up{kind="pg"} 0\n')
    expect(text).toContain('mcloud_control_db_queue_length 7\n')
    expect(text).toContain('# TYPE mcloud_control_db_dropped_total counter\nmcloud_control_db_dropped_total 3\n')
    // A family without samples still says what it is, so dashboards can be built before nodes join.
    expect(text).toContain('# TYPE mcloud_node_running_tasks gauge\n')
  })

  it('refuses names the format does not allow (a bug in the caller, never output)', () => {
    expect(() => formatMetrics([{ name: 'mcloud-tasks', help: 'x', type: 'gauge', samples: [] }])).toThrow(/invalid metric name/)
    expect(() => formatMetrics([{ name: 'ok', help: 'x', type: 'gauge', samples: [{ labels: { 'peer-id': 'a' }, value: 1 }] }])).toThrow(/invalid label name/)
    expect(formatMetrics([{ name: 'ok', help: 'a\\b\nc', type: 'gauge', samples: [{ value: Infinity }] }])).toBe('# HELP ok a\\\\b\\nc\n# TYPE ok gauge\nok +Inf\n')
  })
})
