// "Nodes": every peer the control peer has seen, with what it lent over the last hour and how
// its tasks ended.
import type { ControlNodeView } from '../../shared/control-api.js'
import { WithResource } from '../components/load-state.js'
import { shareText, windowText } from '../format/dashboard.js'
import { formatPercent, peerIdTail } from '../format/units.js'
import { dashboardActions, useDashboard } from '../store/use-dashboard.js'

// Alive nodes first, then by name, so rows do not jump between polls.
const aliveThenName = (a: ControlNodeView, b: ControlNodeView): number =>
  Number(b.alive) - Number(a.alive) || a.name.localeCompare(b.name) || a.peerId.localeCompare(b.peerId)

export function NodesSection (): React.JSX.Element {
  const nodes = useDashboard((s) => s.nodes)
  return (
    <section aria-labelledby='nodes-title'>
      <h2 id='nodes-title'>Nodes</h2>
      <WithResource resource={nodes} onRetry={() => { void dashboardActions().refresh() }}>
        {(list) => list.length === 0 ? <p className='empty'>No nodes seen yet</p> : <NodesTable nodes={[...list].sort(aliveThenName)} />}
      </WithResource>
    </section>
  )
}

function NodesTable ({ nodes }: { nodes: ControlNodeView[] }): React.JSX.Element {
  const windowMin = nodes[0]?.utilisation.windowMin ?? 60
  return (
    <>
      <div className='table-wrap'>
        <table aria-label='Nodes' className='table'>
          <thead>
            <tr>
              <th scope='col'>Name</th>
              <th scope='col'>Peer</th>
              <th scope='col'>Alive</th>
              <th scope='col'>Sharing</th>
              <th scope='col' className='num'>Idle CPU</th>
              <th scope='col' className='num'>Running</th>
              <th scope='col' className='num'>Utilisation</th>
              <th scope='col' className='num'>Succeeded</th>
              <th scope='col' className='num'>Failed</th>
            </tr>
          </thead>
          <tbody>
            {nodes.map((n) => (
              <tr key={n.peerId}>
                <td>{n.name === '' ? '—' : n.name}</td>
                <td><code title={n.peerId}>{peerIdTail(n.peerId)}</code></td>
                <td><span className={n.alive ? 'badge conn-yes' : 'badge conn-no'}>{n.alive ? 'yes' : 'no'}</span></td>
                <td>{`${n.sharing === 'idle-only' ? 'idle only' : n.sharing}${n.dockerOk ? '' : ' (no Docker)'}`}</td>
                <td className='num'>{formatPercent(n.idleCpuPct)}</td>
                <td className='num'>{n.runningTasks}</td>
                <td className='num'>{shareText(n.utilisation.avgLentShare)}</td>
                <td className='num'>{n.tasks.succeeded}</td>
                <td className='num'>{n.tasks.failed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className='muted'>
        Utilisation: the average share of a node&apos;s cores lent to tasks, {windowText(windowMin)}. Succeeded and failed count the
        tasks that ended on that node.
      </p>
    </>
  )
}
