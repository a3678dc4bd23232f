// The selected task: what it is, why it waits (while queued) and its live log.
import { useShallow } from 'zustand/react/shallow'
import { LoadError, Loading } from '../components/load-state.js'
import { StatusBadge } from '../components/status-badge.js'
import { VirtualLog } from '../components/virtual-log.js'
import { peerName } from '../format/peer-name.js'
import { formatCores, formatMemory } from '../format/units.js'
import { appActions, useApp } from '../store/use-app.js'
import { TaskInputsFact, TaskOutputs } from './task-data.js'
import { WhyNotPlaced } from './why-not-placed.js'

export function TaskPanel (): React.JSX.Element | null {
  const { taskId, task, peers, self } = useApp(useShallow((s) => ({
    taskId: s.selectedTaskId,
    task: s.selectedTaskId === null ? undefined : s.tasks.data?.get(s.selectedTaskId),
    peers: s.peers.data,
    self: s.status.data
  })))
  if (taskId === null) return null
  return (
    <section className='card task-panel' aria-labelledby='task-panel-id'>
      <div className='task-panel-head'>
        <div>
          <p className='eyebrow'>Selected task</p>
          <h3 id='task-panel-id' className='task-id'>{taskId}</h3>
        </div>
        <button type='button' className='btn btn-small btn-quiet' onClick={() => { appActions().selectTask(null) }}>Close</button>
      </div>
      {task !== undefined && (
        <dl className='facts'>
          <div><dt>Status</dt><dd><StatusBadge status={task.status} /></dd></div>
          <div><dt>Image</dt><dd>{task.image ?? '—'}</dd></div>
          <div><dt>Command</dt><dd><code>{task.command === null ? '—' : commandText(task.command)}</code></dd></div>
          <div><dt>Asks for</dt><dd>{task.cpu === null ? '—' : `${formatCores(task.cpu)} CPU, ${formatMemory(task.memoryMb ?? 0)}`}</dd></div>
          <div><dt>Peer</dt><dd>{task.holder === null ? '—' : peerName(task.holder, peers, self)}</dd></div>
          <div><dt>Exit</dt><dd>{task.exitCode ?? '—'}</dd></div>
          {task.error !== null && <div className='fact-wide'><dt>Error</dt><dd className='error-text'>{task.error}</dd></div>}
          <TaskInputsFact inputs={task.inputs} />
        </dl>
      )}
      {task !== undefined && <TaskOutputs task={task} />}
      {task?.status === 'queued' && <WhyNotPlaced />}
      <h4>Log</h4>
      <TaskLogView />
    </section>
  )
}

// `sh -c "<script>"` is how the form submits; show the script the user typed.
const commandText = (command: string[]): string =>
  command.length === 3 && command[0] === 'sh' && command[1] === '-c' ? command[2]! : command.join(' ')

function TaskLogView (): React.JSX.Element {
  const log = useApp((s) => s.log)
  if (log === null || (log.loading && log.count === 0)) return <Loading />
  if (log.error !== undefined && log.count === 0) return <LoadError message={log.error} onRetry={() => { void appActions().refreshLog() }} />
  return (
    <>
      <VirtualLog log={log} />
      {log.complete && <p className='muted'>The task has ended; this log is complete.</p>}
    </>
  )
}
