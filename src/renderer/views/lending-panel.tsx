// Lending: what this computer gives the organisation now, and the owner's controls over it.
import { useShallow } from 'zustand/react/shallow'
import type { LendingView } from '../../shared/sharing.js'
import { LendChart } from '../components/lend-chart.js'
import { WithResource } from '../components/load-state.js'
import { Meter } from '../components/meter.js'
import { useNow } from '../components/use-now.js'
import { formatCores, formatMemory, formatPercent } from '../format/units.js'
import { tasksRunningHere } from '../store/tasks.js'
import { appActions, useApp } from '../store/use-app.js'
import { RunningHereTable } from './running-here-table.js'
import { SharingControls } from './sharing-controls.js'
import { TaskPanel } from './task-panel.js'

export function LendingPanel (): React.JSX.Element {
  const lending = useApp((s) => s.lending)
  return (
    <WithResource resource={lending} onRetry={() => { void appActions().refreshLending() }}>
      {(view) => <LendingBody lending={view} />}
    </WithResource>
  )
}

function LendingBody ({ lending }: { lending: LendingView }): React.JSX.Element {
  const executor = useApp((s) => s.status.data?.executor)
  const dockerMissing = (executor?.includes('unavailable') ?? false) || /docker/i.test(lending.reason)
  return (
    <div className='stack'>
      <section aria-labelledby='sharing-title' className='card'>
        <h2 id='sharing-title'>Sharing</h2>
        <SharingControls lending={lending} />
        <p className={lending.claiming ? 'claiming yes' : 'claiming no'}>
          {lending.claiming ? 'Taking tasks from colleagues' : <>Not taking tasks: <span className='reason'>{lending.reason}</span></>}
        </p>
        {dockerMissing && (
          <p className='warning'>Docker is not available on this computer: it can submit tasks but not run them.</p>
        )}
      </section>
      <section aria-labelledby='capacity-title' className='card'>
        <h2 id='capacity-title'>Capacity</h2>
        <Capacity lending={lending} />
      </section>
      <section aria-labelledby='running-title'>
        <h2 id='running-title'>Tasks running here</h2>
        <RunningHere />
      </section>
      <SelectedForeignTask />
    </div>
  )
}

function Capacity ({ lending }: { lending: LendingView }): React.JSX.Element {
  const history = useApp((s) => s.history)
  const now = useNow(2000)
  const cpuMax = Math.min(lending.settings.maxCpu, lending.cores)
  // availableMemMb excludes what tasks hold, so add it back: the room the owner's cap leaves.
  const memMax = Math.min(lending.settings.maxMemoryMb, lending.availableMemMb + lending.heldMemMb)
  return (
    <>
      <div className='meters'>
        <Meter label='Lendable CPU' value={lending.lendableCpu} max={cpuMax} text={`${formatCores(lending.lendableCpu)} of ${formatCores(cpuMax)} CPU`} />
        <Meter label='Lendable memory' value={lending.lendableMemMb} max={memMax} text={`${formatMemory(lending.lendableMemMb)} of ${formatMemory(memMax)}`} />
      </div>
      <p className='muted facts-line'>
        Lent now: {formatCores(lending.heldCpu)} CPU, {formatMemory(lending.heldMemMb)} in {lending.runningTasks} task{lending.runningTasks === 1 ? '' : 's'}
        {lending.suspendedTasks > 0 && ` (${lending.suspendedTasks} suspended)`}
        {' · '}Your own CPU use: {formatPercent(lending.ownerCpuPct)}
        {lending.userIdleSec !== null && ` · Idle for ${Math.floor(lending.userIdleSec / 60)} min`}
      </p>
      <LendChart samples={history} maxCpu={Math.max(cpuMax, lending.heldCpu)} maxMemMb={Math.max(memMax, lending.heldMemMb)} now={now} />
    </>
  )
}

function RunningHere (): React.JSX.Element {
  const tasks = useApp((s) => s.tasks)
  return (
    <WithResource resource={tasks} onRetry={() => { void appActions().refreshTasks() }}>
      {(map) => <RunningHereTable tasks={tasksRunningHere(map)} />}
    </WithResource>
  )
}

// A task selected from "Tasks running here" (or that ran here) shows its log on this tab.
function SelectedForeignTask (): React.JSX.Element | null {
  const show = useApp(useShallow((s) => {
    const t = s.selectedTaskId === null ? undefined : s.tasks.data?.get(s.selectedTaskId)
    return t !== undefined && (t.runningHere || !t.mine)
  }))
  return show ? <TaskPanel /> : null
}
