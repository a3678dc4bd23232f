// Network: the organisation's peers as this computer sees them.
import type { PeerView } from '../../shared/api.js'
import { WithResource } from '../components/load-state.js'
import { formatCores, formatMemory, formatPercent, peerIdTail } from '../format/units.js'
import { appActions, useApp } from '../store/use-app.js'

// Connected peers first, then by name, so the list does not jump around between polls.
const byConnectionThenName = (a: PeerView, b: PeerView): number =>
  Number(b.connected) - Number(a.connected) || (a.meta?.name ?? '').localeCompare(b.meta?.name ?? '') || a.peerId.localeCompare(b.peerId)

export function NetworkPanel (): React.JSX.Element {
  const peers = useApp((s) => s.peers)
  const members = useApp((s) => s.status.data?.members)
  return (
    <section aria-labelledby='peers-title'>
      <h2 id='peers-title'>Peers</h2>
      {members !== undefined && !members.majority && (
        <p role='status' className='warning'>
          This computer reaches only {members.reachable} of the {members.known} members it knows. Until the network heals it starts
          and finishes no tasks, so that no task runs twice to completion.
        </p>
      )}
      <WithResource resource={peers} onRetry={() => { void appActions().refreshPeers() }}>
        {(list) => list.length === 0 ? <p className='empty'>No peers yet</p> : <PeersTable peers={[...list].sort(byConnectionThenName)} />}
      </WithResource>
    </section>
  )
}

function PeersTable ({ peers }: { peers: PeerView[] }): React.JSX.Element {
  return (
    <div className='table-wrap'>
      <table aria-label='Peers' className='table'>
        <thead>
          <tr>
            <th scope='col'>Name</th>
            <th scope='col'>Peer</th>
            <th scope='col'>Connected</th>
            <th scope='col' className='num'>Cores</th>
            <th scope='col' className='num'>Idle %</th>
            <th scope='col' className='num'>Lendable CPU</th>
            <th scope='col' className='num'>Lendable memory</th>
            <th scope='col'>Sharing</th>
            <th scope='col' className='num'>Tasks</th>
          </tr>
        </thead>
        <tbody>
          {peers.map(({ peerId, connected, meta }) => (
            <tr key={peerId}>
              <td>{meta?.name ?? '—'}</td>
              <td><code title={peerId}>{peerIdTail(peerId)}</code></td>
              <td><span className={connected ? 'badge conn-yes' : 'badge conn-no'}>{connected ? 'yes' : 'no'}</span></td>
              <td className='num'>{meta?.cores ?? '—'}</td>
              <td className='num'>{meta == null ? '—' : formatPercent(meta.idleCpuPct)}</td>
              <td className='num'>{meta == null ? '—' : formatCores(meta.lendableCpu)}</td>
              <td className='num'>{meta == null ? '—' : formatMemory(meta.lendableMemMb)}</td>
              <td>{meta == null ? '—' : `${meta.sharing === 'idle-only' ? 'idle only' : meta.sharing}${meta.dockerOk ? '' : ' (no Docker)'}`}</td>
              <td className='num'>{meta?.runningTasks ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
