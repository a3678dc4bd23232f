// A task's data in its panel: the files it reads at /input, and its outputs with the
// "Download outputs" button (progress from the peer's transfer:progress events).
import type { TaskInput } from '../../shared/schemas.js'
import type { TaskView } from '../../shared/api.js'
import { formatBytes } from '../format/units.js'
import { outputsLine } from '../store/transfers.js'
import { appActions, useApp } from '../store/use-app.js'

/** A facts entry listing the inputs; nothing when the task has none (or its spec is not known yet). */
export function TaskInputsFact ({ inputs }: { inputs: TaskInput[] | null }): React.JSX.Element | null {
  if (inputs === null || inputs.length === 0) return null
  return (
    <div className='fact-wide'>
      <dt>Inputs</dt>
      <dd>
        <ul aria-label='Inputs' className='input-list'>
          {inputs.map((i) => <li key={i.name}><code>/input/{i.name}</code> <span className='muted'>{formatBytes(i.bytes)}</span></li>)}
        </ul>
      </dd>
    </div>
  )
}

export function TaskOutputs ({ task }: { task: TaskView }): React.JSX.Element | null {
  const download = useApp((s) => s.outputs[task.taskId])
  const active = download?.active === true
  // Before a result exists there is nothing to fetch, unless the peer is fetching it already.
  if (task.resultCid === null && !active) return null
  const line = outputsLine(task.outputsDir, download)
  return (
    <section aria-label='Outputs' className='task-outputs'>
      <h4>Outputs</h4>
      {line !== undefined && <p role='status'>{line}</p>}
      {/* Without a total the bar is indeterminate (no value), not "full". */}
      {active && <progress aria-label='Download progress' value={download.total === null ? undefined : download.bytes} max={download.total ?? undefined} />}
      {download?.error != null && <p role='alert' className='error-text'>Download failed: {download.error}</p>}
      {task.resultCid !== null && (
        <button type='button' className='btn btn-small' disabled={active} onClick={() => { void appActions().downloadOutputs(task.taskId) }}>
          Download outputs
        </button>
      )}
    </section>
  )
}
