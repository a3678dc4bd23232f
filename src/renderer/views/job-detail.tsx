// One task as the control peer recorded it: its transitions (epoch, status, holder, time), its
// recoveries (from which peer to which, and the gap), and its log live through the relay.
import { useEffect } from 'react'
import { useShallow } from 'zustand/react/shallow'
import type { ControlJobDetail, ControlNodeView } from '../../shared/control-api.js'
import { WithResource } from '../components/load-state.js'
import { StatusBadge } from '../components/status-badge.js'
import { VirtualLog } from '../components/virtual-log.js'
import { clockWithSeconds, collapseTransitions, gapText, jobStatusText, nodeName } from '../format/dashboard.js'
import { formatCores, formatMemory } from '../format/units.js'
import { relayStatusText } from '../store/log-relay.js'
import { dashboardActions, useDashboard } from '../store/use-dashboard.js'

export function JobDetail (): React.JSX.Element | null {
  const { taskId, detail } = useDashboard(useShallow((s) => ({ taskId: s.selectedJobId, detail: s.detail })))
  if (taskId === null) return null
  return (
    <section className='card task-panel' aria-label='Task detail'>
      <div className='task-panel-head'>
        <div>
          <p className='eyebrow'>Selected task</p>
          <h3 className='task-id'>{taskId}</h3>
        </div>
        <button type='button' className='btn btn-small btn-quiet' onClick={() => { dashboardActions().selectJob(null) }}>Close</button>
      </div>
      <WithResource resource={detail} onRetry={() => { void dashboardActions().refreshDetail() }}>
        {(d) => <DetailBody detail={d} />}
      </WithResource>
      <h4>Live log</h4>
      <RelayLog taskId={taskId} />
    </section>
  )
}

function DetailBody ({ detail }: { detail: ControlJobDetail }): React.JSX.Element {
  const nodes = useDashboard((s) => s.nodes.data)
  const { job } = detail
  return (
    <>
      <dl className='facts'>
        <div><dt>Status</dt><dd>{job.status === null ? 'unknown' : <StatusBadge status={job.status} />}</dd></div>
        <div><dt>Image</dt><dd>{job.image ?? '—'}</dd></div>
        <div><dt>Command</dt><dd><code>{job.command === null ? '—' : job.command.join(' ')}</code></dd></div>
        <div><dt>Asks for</dt><dd>{job.cpu === null ? '—' : `${formatCores(job.cpu)} CPU, ${formatMemory(job.memoryMb ?? 0)}`}</dd></div>
        <div><dt>Submitter</dt><dd>{job.submitterName ?? (job.submitter === null ? '—' : nodeName(job.submitter, nodes))}</dd></div>
        <div><dt>Exit</dt><dd>{job.exitCode ?? '—'}</dd></div>
        {job.error !== null && <div className='fact-wide'><dt>Error</dt><dd className='error-text'>{job.error}</dd></div>}
      </dl>
      <h4>Transitions</h4>
      <Transitions detail={detail} nodes={nodes} />
      <h4>Recoveries</h4>
      <Recoveries detail={detail} nodes={nodes} />
    </>
  )
}

type Nodes = ControlNodeView[] | undefined

function Transitions ({ detail, nodes }: { detail: ControlJobDetail, nodes: Nodes }): React.JSX.Element {
  if (detail.events.length === 0) return <p className='empty'>No transition recorded yet ({jobStatusText(detail.job)})</p>
  const now = Date.now()
  return (
    <div className='table-wrap'>
      <table aria-label='Transitions' className='table'>
        <thead>
          <tr>
            <th scope='col' className='num'>Epoch</th>
            <th scope='col'>Status</th>
            <th scope='col'>Holder</th>
            <th scope='col' className='num'>Attempts</th>
            <th scope='col'>Time</th>
            <th scope='col' className='num'>Records</th>
          </tr>
        </thead>
        <tbody>
          {collapseTransitions(detail.events).map((t) => (
            <tr key={`${t.epoch}-${t.firstAt}-${t.status}`}>
              <td className='num'>{t.epoch}</td>
              <td><StatusBadge status={t.status} /></td>
              <td>{t.holder === null ? '—' : nodeName(t.holder, nodes)}</td>
              <td className='num'>{t.attempts}</td>
              <td>{clockWithSeconds(t.firstAt, now)}{t.lastAt > t.firstAt && ` – ${clockWithSeconds(t.lastAt, now)}`}</td>
              <td className='num' title='A running task renews its lease every few seconds; each renewal is a record'>{t.records}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function Recoveries ({ detail, nodes }: { detail: ControlJobDetail, nodes: Nodes }): React.JSX.Element {
  if (detail.recoveries.length === 0) return <p className='muted'>No recoveries: no peer had to take this task over.</p>
  const now = Date.now()
  const name = (peerId: string | null): string => peerId === null ? '—' : nodeName(peerId, nodes)
  return (
    <div className='table-wrap'>
      <table aria-label='Recoveries' className='table'>
        <thead>
          <tr>
            <th scope='col'>From</th>
            <th scope='col'>To</th>
            <th scope='col' className='num'>Epochs</th>
            <th scope='col' className='num'>Gap</th>
            <th scope='col'>Resumed</th>
          </tr>
        </thead>
        <tbody>
          {detail.recoveries.map((r) => (
            <tr key={`${r.fromEpoch}-${r.toEpoch}`}>
              <td>{name(r.fromHolder)}</td>
              <td>{name(r.toHolder)}</td>
              <td className='num'>{`${r.fromEpoch} → ${r.toEpoch}`}</td>
              <td className='num'>{gapText(r.gapMs)}</td>
              <td>{clockWithSeconds(r.resumedAt, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function RelayLog ({ taskId }: { taskId: string }): React.JSX.Element {
  useEffect(() => dashboardActions().followLog(taskId), [taskId])
  const relay = useDashboard((s) => s.relay)
  const nodes = useDashboard((s) => s.nodes.data)
  if (relay === null || relay.taskId !== taskId) return <p className='muted'>Connecting to the log relay…</p>
  return (
    <>
      <p role='status' className='relay-status'>{relayStatusText(relay, (peerId) => nodeName(peerId, nodes))}</p>
      {relay.error !== null && <p role='alert' className='error-text'>Live log unavailable: {relay.error}</p>}
      <VirtualLog log={relay.log} />
    </>
  )
}
