// The dashboard's headline figures, and a banner while the control peer's database is away.
import { useId, type ReactNode } from 'react'
import type { ControlSummary } from '../../shared/control-api.js'
import { WithResource } from '../components/load-state.js'
import { useNow } from '../components/use-now.js'
import {
  clockWithSeconds, databaseDownText, databaseKindText, databaseText, formatRate, recoveryCountText, recoveryText, statusCountsText
} from '../format/dashboard.js'
import { DASHBOARD_POLL_MS } from '../store/dashboard-store.js'
import { dashboardActions, useDashboard } from '../store/use-dashboard.js'

export function DatabaseBanner (): React.JSX.Element | null {
  const db = useDashboard((s) => s.summary.data?.database)
  if (db === undefined || db.up) return null
  return (
    <div className='banner db-banner'>
      <p role='alert' className='banner-text'>{databaseDownText(db)}</p>
    </div>
  )
}

export function Overview (): React.JSX.Element {
  const summary = useDashboard((s) => s.summary)
  return (
    <section aria-labelledby='overview-title' className='card'>
      <div className='section-head'>
        <h2 id='overview-title'>Overview</h2>
        <LastUpdated />
      </div>
      <WithResource resource={summary} onRetry={() => { void dashboardActions().refresh() }}>
        {(s) => <Figures summary={s} />}
      </WithResource>
    </section>
  )
}

function LastUpdated (): React.JSX.Element {
  const updatedAt = useDashboard((s) => s.updatedAt)
  const now = useNow(DASHBOARD_POLL_MS)
  return (
    <div className='updated'>
      <span className='muted'>{updatedAt === null ? 'Not updated yet' : `Updated ${clockWithSeconds(updatedAt, now)}`}</span>
      <button type='button' className='btn btn-small btn-quiet' onClick={() => { void dashboardActions().refresh() }}>Refresh</button>
    </div>
  )
}

function Figures ({ summary }: { summary: ControlSummary }): React.JSX.Element {
  const { byStatus, database: db, recovery } = summary
  const succeeded = byStatus.succeeded ?? 0
  const failed = byStatus.failed ?? 0
  const reconcile = db.lastReconcileAt === null ? 'no reconcile yet' : `last reconcile ${clockWithSeconds(db.lastReconcileAt, summary.generatedAt)}`
  return (
    <div className='figures'>
      <Figure label='Tasks' value={summary.tasks.toLocaleString('en')} detail={statusCountsText(byStatus)} />
      <Figure
        label='Success rate'
        value={formatRate(summary.successRate)}
        detail={succeeded + failed === 0 ? 'nothing finished yet' : `${succeeded} succeeded, ${failed} failed`}
      />
      <Figure label='Nodes' value={`${summary.nodesAlive} of ${summary.nodes} alive`} detail='alive: seen in the last minute' />
      <Figure label='Recovery time' value={recoveryText(recovery)} detail={recoveryCountText(recovery.count)} />
      <Figure
        label='Database'
        value={databaseText(db)}
        detail={`${databaseKindText(db.kind)} · ${db.written.toLocaleString('en')} records written · ${reconcile}`}
        warn={!db.up || db.dropped > 0}
      />
    </div>
  )
}

// A named group, so a figure is found (and read) by its label: "Success rate, 100 %".
function Figure ({ label, value, detail, warn = false }: { label: string, value: ReactNode, detail: string, warn?: boolean }): React.JSX.Element {
  const id = useId()
  return (
    <div role='group' aria-labelledby={id} className={warn ? 'figure figure-warn' : 'figure'}>
      <span id={id} className='figure-label'>{label}</span>
      <strong className='figure-value'>{value}</strong>
      <span className='figure-detail muted'>{detail}</span>
    </div>
  )
}
