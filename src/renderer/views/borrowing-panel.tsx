// Borrowing: submit jobs to the organisation's pool and follow them.
import { useShallow } from 'zustand/react/shallow'
import { WithResource } from '../components/load-state.js'
import { myTasks } from '../store/tasks.js'
import { appActions, useApp } from '../store/use-app.js'
import { JobForm } from './job-form.js'
import { MyTasksTable } from './my-tasks-table.js'
import { TaskPanel } from './task-panel.js'

export function BorrowingPanel (): React.JSX.Element {
  const tasks = useApp((s) => s.tasks)
  const selectedIsMine = useApp(useShallow((s) => s.selectedTaskId !== null && s.tasks.data?.get(s.selectedTaskId)?.mine === true))
  return (
    <div className='stack'>
      <section aria-labelledby='new-job-title'>
        <h2 id='new-job-title'>New job</h2>
        <JobForm />
      </section>
      <section aria-labelledby='my-tasks-title'>
        <h2 id='my-tasks-title'>My tasks</h2>
        <WithResource resource={tasks} onRetry={() => { void appActions().refreshTasks() }}>
          {(map) => <MyTasksTable tasks={myTasks(map)} />}
        </WithResource>
      </section>
      {selectedIsMine && <TaskPanel />}
    </div>
  )
}
