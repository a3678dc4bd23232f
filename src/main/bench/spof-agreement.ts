// "The database agrees with the DHT": every task's row in the control peer's database names the
// same selected state record the network holds: status, fencing epoch, holder, seq and the
// record's signature hash (which pins the exact record, not only equal-looking fields).
import type { JobRow } from '../../shared/control-api.js'
import type { TaskStatus } from '../../shared/index.js'
import type { OpenedRecord } from '../records/index.js'

/** The fields of the DHT-selected task state the database must reproduce. */
export interface SelectedState { status: TaskStatus, epoch: number, holder: string | null, seq: number, sigHash: string }

export interface Disagreement {
  taskId: string
  /** What differs: the first field that does, or "no row" / "no state in the DHT". */
  field: string
  db: string
  dht: string
}

export function selectedState (rec: OpenedRecord<'task-state'>): SelectedState {
  const s = rec.value
  return { status: s.status, epoch: s.epoch, holder: s.holder, seq: s.seq, sigHash: rec.sigHash }
}

/** The tasks of `dht` whose database row is missing or differs from the selected state. */
export function disagreements (rows: JobRow[], dht: Map<string, SelectedState | undefined>): Disagreement[] {
  const byId = new Map(rows.map(r => [r.id, r]))
  const out: Disagreement[] = []
  for (const [taskId, state] of dht) {
    const row = byId.get(taskId)
    if (state === undefined) {
      // Nothing to agree with (the read found no replica holding the state): not counted as agreement.
      out.push({ taskId, field: 'no state in the DHT', db: row?.status ?? '–', dht: '–' })
      continue
    }
    if (row === undefined) {
      out.push({ taskId, field: 'no row', db: '–', dht: `${state.status}@${state.epoch}` })
      continue
    }
    const pairs: Array<[string, unknown, unknown]> = [
      ['status', row.status, state.status],
      ['leaseToken', row.leaseToken, state.epoch],
      ['holder', row.holder, state.holder],
      ['seq', row.seq, state.seq],
      ['sigHash', row.sigHash, state.sigHash]
    ]
    const differs = pairs.find(([, a, b]) => a !== b)
    if (differs !== undefined) out.push({ taskId, field: differs[0], db: String(differs[1]), dht: String(differs[2]) })
  }
  return out
}

/** "9 differ: status 7, seq 2; e.g. 3f2a9c01d4e5 status: database running, DHT succeeded". */
export function describeDisagreements (differ: Disagreement[]): string {
  const byField = new Map<string, number>()
  for (const d of differ) byField.set(d.field, (byField.get(d.field) ?? 0) + 1)
  const e = differ[0]!
  return `${differ.length} differ: ${[...byField].map(([k, n]) => `${k} ${n}`).join(', ')}; e.g. ${e.taskId.slice(0, 12)} ${e.field}: database ${e.db}, DHT ${e.dht}`
}
