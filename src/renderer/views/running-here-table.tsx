// "Tasks running here": colleagues' tasks this computer runs now, each of which can be handed back.
import { useShallow } from 'zustand/react/shallow'
import type { TaskView } from '../../shared/api.js'
import { useNow } from '../components/use-now.js'
import { peerName } from '../format/peer-name.js'
import { elapsedText, formatCores, formatMemory } from '../format/units.js'
import { shortTaskId } from '../store/tasks.js'
import { inputsLine } from '../store/transfers.js'
import { appActions, useApp } from '../store/use-app.js'

export function RunningHereTable ({ tasks }: { tasks: TaskView[] }): React.JSX.Element {
  const now = useNow()
  const { peers, self, heldSince, selected, inputs } = useApp(useShallow((s) => ({
    peers: s.peers.data, self: s.status.data, heldSince: s.heldSince, selected: s.selectedTaskId, inputs: s.inputs
  })))
  if (tasks.length === 0) return <p className='empty'>Nobody is using this computer right now</p>
  return (
    <div className='table-wrap'>
      <table aria-label='Tasks running here' className='table'>
        <thead>
          <tr>
            <th scope='col'>Submitter</th>
            <th scope='col'>Image</th>
            <th scope='col' className='num'>CPU</th>
            <th scope='col' className='num'>Memory</th>
            <th scope='col' className='num'>Elapsed</th>
            <th scope='col'><span className='sr-only'>Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((t) => {
            const short = shortTaskId(t.taskId)
            const fetching = inputs[t.taskId]
            return (
              <tr key={t.taskId} className={t.taskId === selected ? 'selected' : undefined} aria-current={t.taskId === selected ? 'true' : undefined}>
                <td>{t.submitterName ?? peerName(t.submitter, peers, self)}</td>
                <td>
                  {t.image ?? '—'}
                  {fetching !== undefined && <div className='muted cell-note' role='status' aria-label={`Inputs of ${short}`}>{inputsLine(fetching)}</div>}
                </td>
                <td className='num'>{t.cpu === null ? '—' : formatCores(t.cpu)}</td>
                <td className='num'>{t.memoryMb === null ? '—' : formatMemory(t.memoryMb)}</td>
                <td className='num'>{elapsedText(t.runningHereSince ?? heldSince[t.taskId]?.at, now)}</td>
                <td className='actions'>
                  <div className='row-actions'>
                    <button type='button' className='btn btn-small' aria-label={`Logs ${short}`} onClick={() => { appActions().selectTask(t.taskId) }}>Logs</button>
                    <button type='button' className='btn btn-small btn-danger' aria-label={`Hand back ${short}`} onClick={() => { void appActions().handBackTask(t.taskId) }}>Hand back</button>
                  </div>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
