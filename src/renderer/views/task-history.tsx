// "Task history": every task the control peer recorded, most recently updated first, filtered by
// status; "Details" opens a task's transitions, recoveries and live log below.
import { useShallow } from 'zustand/react/shallow'
import type { JobRow } from '../../shared/control-api.js'
import { TASK_STATUSES } from '../../shared/schemas.js'
import { WithResource } from '../components/load-state.js'
import { StatusBadge } from '../components/status-badge.js'
import { useNow } from '../components/use-now.js'
import { clockWithSeconds, jobDurationMs, nodeName } from '../format/dashboard.js'
import { formatDuration } from '../../shared/time-format.js'
import { JOB_LIMITS, type JobFilter } from '../store/dashboard-store.js'
import { shortTaskId } from '../store/tasks.js'
import { dashboardActions, useDashboard } from '../store/use-dashboard.js'

export function TaskHistory (): React.JSX.Element {
  const { jobs, status } = useDashboard(useShallow((s) => ({ jobs: s.jobs, status: s.filter.status })))
  return (
    <section aria-labelledby='history-title'>
      <div className='section-head'>
        <h2 id='history-title'>Task history</h2>
        <HistoryFilter />
      </div>
      <WithResource resource={jobs} onRetry={() => { void dashboardActions().refreshJobs() }}>
        {(list) => list.length === 0
          ? <p className='empty'>{status === 'all' ? 'No tasks recorded yet' : `No ${status} tasks`}</p>
          : <HistoryTable jobs={list} />}
      </WithResource>
    </section>
  )
}

function HistoryFilter (): React.JSX.Element {
  const filter = useDashboard(useShallow((s) => s.filter))
  return (
    <div role='group' aria-label='Task filter' className='filter-bar'>
      <label htmlFor='history-status'>Status</label>
      <select
        id='history-status'
        value={filter.status}
        onChange={(e) => { dashboardActions().setFilter({ status: e.target.value as JobFilter['status'] }) }}
      >
        <option value='all'>all</option>
        {TASK_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
      </select>
      <label htmlFor='history-limit'>Show</label>
      <select
        id='history-limit'
        value={filter.limit}
        onChange={(e) => { dashboardActions().setFilter({ limit: Number(e.target.value) }) }}
      >
        {JOB_LIMITS.map((n) => <option key={n} value={n}>{`last ${n}`}</option>)}
      </select>
    </div>
  )
}

function HistoryTable ({ jobs }: { jobs: JobRow[] }): React.JSX.Element {
  const now = useNow()
  const { nodes, selected } = useDashboard(useShallow((s) => ({ nodes: s.nodes.data, selected: s.selectedJobId })))
  return (
    <div className='table-wrap'>
      <table aria-label='Task history' className='table'>
        <thead>
          <tr>
            <th scope='col'>Task</th>
            <th scope='col'>Status</th>
            <th scope='col'>Image</th>
            <th scope='col'>Submitter</th>
            <th scope='col'>Peer</th>
            <th scope='col' className='num'>Epoch</th>
            <th scope='col' className='num'>Duration</th>
            <th scope='col' className='num'>Exit</th>
            <th scope='col'>Updated</th>
            <th scope='col'><span className='sr-only'>Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => {
            const short = shortTaskId(j.id)
            const duration = jobDurationMs(j, now)
            const updated = j.updatedAt ?? j.observedAt
            return (
              <tr key={j.id} className={j.id === selected ? 'selected' : undefined} aria-current={j.id === selected ? 'true' : undefined}>
                <td><code title={j.id}>{short}</code></td>
                <td>{j.status === null ? <span className='badge'>unknown</span> : <StatusBadge status={j.status} />}</td>
                <td className='cell-clip' title={j.image ?? undefined}>{j.image ?? '—'}</td>
                <td>{j.submitterName ?? (j.submitter === null ? '—' : nodeName(j.submitter, nodes))}</td>
                <td>{j.holder === null ? '—' : nodeName(j.holder, nodes)}</td>
                <td className='num'>{j.leaseToken ?? '—'}</td>
                <td className='num'>{duration === undefined ? '—' : formatDuration(duration)}</td>
                <td className='num'>{j.exitCode ?? '—'}</td>
                <td>{updated === null ? '—' : clockWithSeconds(updated, now)}</td>
                <td className='actions'>
                  <button
                    type='button'
                    className='btn btn-small'
                    aria-label={`Details ${short}`}
                    aria-expanded={j.id === selected}
                    onClick={() => { dashboardActions().selectJob(j.id === selected ? null : j.id) }}
                  >
                    Details
                  </button>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
