// "My tasks": what this computer submitted, newest first, with their logs and a cancel button.
import { useShallow } from 'zustand/react/shallow'
import type { TaskView } from '../../shared/api.js'
import { isTerminal } from '../../shared/task-state.js'
import { StatusBadge } from '../components/status-badge.js'
import { useNow } from '../components/use-now.js'
import { peerName } from '../format/peer-name.js'
import { elapsedText } from '../format/units.js'
import { myTasks, shortTaskId } from '../store/tasks.js'
import { appActions, useApp } from '../store/use-app.js'

export function MyTasksTable ({ tasks }: { tasks: ReturnType<typeof myTasks> }): React.JSX.Element {
  const now = useNow()
  const { peers, self, selected } = useApp(useShallow((s) => ({ peers: s.peers.data, self: s.status.data, selected: s.selectedTaskId })))
  if (tasks.length === 0) return <p className='empty'>No tasks yet</p>
  return (
    <div className='table-wrap'>
      <table aria-label='My tasks' className='table'>
        <thead>
          <tr>
            <th scope='col'>Task</th>
            <th scope='col'>Status</th>
            <th scope='col'>Peer</th>
            <th scope='col' className='num'>Epoch</th>
            <th scope='col' className='num'>Attempts</th>
            <th scope='col' className='num'>Duration</th>
            <th scope='col' className='num'>Exit</th>
            <th scope='col'><span className='sr-only'>Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => (
            <tr key={t.taskId} className={t.taskId === selected ? 'selected' : undefined} aria-current={t.taskId === selected ? 'true' : undefined}>
              <td><code title={t.taskId}>{shortTaskId(t.taskId)}</code></td>
              <td><StatusBadge status={t.status} /></td>
              <td>{t.holder === null ? '—' : peerName(t.holder, peers, self)}</td>
              <td className='num'>{t.epoch}</td>
              <td className='num'>{t.attempts}</td>
              <td className='num'>{duration(t, now)}</td>
              <td className='num'>{t.exitCode ?? '—'}</td>
              <td className='actions'><TaskActions task={t} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

// Submission to the end (finished) or to now (still open).
const duration = (t: TaskView, now: number): string => elapsedText(t.createdAt, isTerminal(t.status) ? t.updatedAt : now)

function TaskActions ({ task }: { task: TaskView }): React.JSX.Element {
  const short = shortTaskId(task.taskId)
  return (
    <div className='row-actions'>
      <button type='button' className='btn btn-small' aria-label={`Logs ${short}`} onClick={() => { appActions().selectTask(task.taskId) }}>Logs</button>
      {!isTerminal(task.status) && (
        <button type='button' className='btn btn-small btn-danger' aria-label={`Cancel ${short}`} onClick={() => { void appActions().cancelTask(task.taskId) }}>Cancel</button>
      )}
    </div>
  )
}
