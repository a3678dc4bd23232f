// A small writer of the Prometheus text exposition format, version 0.0.4: one `# HELP` and one
// `# TYPE` line per family, then its samples. Names are checked here (a bad one is a bug in the
// caller, so it throws); label values come from peers' names and are escaped.

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export type MetricType = 'gauge' | 'counter' | 'summary'

export interface Sample {
  /** Appended to the family name, e.g. '_sum' and '_count' of a summary. */
  suffix?: string
  labels?: Record<string, string>
  value: number
}

export interface MetricFamily {
  name: string
  help: string
  type: MetricType
  samples: Sample[]
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** Label values escape backslash, double quote and line feed; HELP text only backslash and line feed. */
export const escapeLabelValue = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')

export function formatValue (v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}

function formatLabels (labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {})
  if (entries.length === 0) return ''
  for (const [k] of entries) {
    if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`prometheus: invalid label name "${k}"`)
  }
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`
}

export function formatMetrics (families: readonly MetricFamily[]): string {
  const lines: string[] = []
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new Error(`prometheus: invalid metric name "${f.name}"`)
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`)
    for (const s of f.samples) {
      const name = f.name + (s.suffix ?? '')
      if (!METRIC_NAME.test(name)) throw new Error(`prometheus: invalid metric name "${name}"`)
      lines.push(`${name}${formatLabels(s.labels)} ${formatValue(s.value)}`)
    }
  }
  // The format wants every line, the last one included, to end with a line feed.
  return lines.join('\n') + '\n'
}
