// Dashboard (control peer only): the organisation's figures, task history and nodes, read from
// the control peer's database every few seconds while this tab is on screen.
import { useEffect } from 'react'
import { dashboardActions } from '../store/use-dashboard.js'
import { DatabaseBanner, Overview } from './dashboard-overview.js'
import { JobDetail } from './job-detail.js'
import { NodesSection } from './nodes-table.js'
import { TaskHistory } from './task-history.js'

export function DashboardPanel (): React.JSX.Element {
  // The panel renders only while its tab is selected, so polling stops when another view is shown.
  useEffect(() => dashboardActions().startLive(), [])
  return (
    <div className='stack'>
      <DatabaseBanner />
      <Overview />
      <TaskHistory />
      <JobDetail />
      <NodesSection />
    </div>
  )
}
