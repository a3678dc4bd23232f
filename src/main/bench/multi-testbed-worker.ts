// One worker process of the multi-process testbed: hosts K real peers (SimulatedSleepExecutor) and
// obeys the parent's IPC requests (multi-testbed-protocol.ts). Its peers' events go back in
// batches, stamped with Date.now() (every worker runs on this machine's one clock). It exits as
// soon as the parent goes away, so a crashed or killed bench leaves no process behind.
import { join } from 'node:path'
import type { Connection } from '@libp2p/interface'
import { isTerminal } from '../../shared/index.js'
import { SimulatedSleepExecutor } from '../executor/index.js'
import { createPeer, type Peer } from '../peer/index.js'
import { Slots } from '../peer/slots.js'
import { StaticSampler } from '../resources/index.js'
import { MachineLoad } from './machine-load.js'
import { routingTableSize, sample } from './testbed.js'
import type { PeerEventLine, Request, StartedPeer, StartPeers, WorkerMeasure, WorkerMessage } from './multi-testbed-protocol.js'

const peers = new Map<number, Peer>()
/** The dial bound this worker's peers share (StartPeers.dialsPerProc). */
let dialSlots: Slots | undefined
const killed = new Set<number>()
const outbox: PeerEventLine[] = []
/** Terminal (task, holder, epoch, status) already forwarded: every peer reports every result. */
const terminalsSent = new Set<string>()
/** Bytes of sockets already closed, and the open sockets, per worker: only totals are reported. */
let closedIn = 0
let closedOut = 0
const sockets = new Set<{ bytesRead: number, bytesWritten: number }>()
let gossipIn = 0
let connectionsOpened = 0

const send = (m: WorkerMessage): void => { if (process.connected) process.send!(m) }
const push = (e: PeerEventLine): void => { outbox.push(e) }
const flush = setInterval(() => {
  if (outbox.length > 0) send({ type: 'events', events: outbox.splice(0) })
}, 200)


function countBytes (conn: Connection): void {
  // TCP connections only (every testbed peer dials 127.0.0.1/tcp): the socket's own counters.
  const socket = (conn as unknown as { maConn?: { socket?: { bytesRead: number, bytesWritten: number, once: (e: string, f: () => void) => void } } }).maConn?.socket
  if (socket === undefined) return
  sockets.add(socket)
  socket.once('close', () => { sockets.delete(socket); closedIn += socket.bytesRead; closedOut += socket.bytesWritten })
}

function watch (peer: Peer): void {
  const id = peer.peerId
  peer.node.addEventListener('connection:open', evt => { connectionsOpened++; countBytes(evt.detail) })
  peer.node.services.pubsub.addEventListener('message', () => { gossipIn++ })
  peer.bus.on(e => {
    const at = Date.now()
    switch (e.type) {
      case 'lease:claimed': push({ at, peer: id, type: 'claimed', taskId: e.taskId, epoch: e.epoch }); break
      case 'lease:committed': push({ at, peer: id, type: 'committed', taskId: e.taskId, epoch: e.epoch, status: e.status }); break
      case 'lease:adopted': push({ at, peer: id, type: 'adopted', taskId: e.taskId, epoch: e.epoch, status: e.status }); break
      case 'lease:fenced': push({ at, peer: id, type: 'fenced', taskId: e.taskId, epoch: e.epoch, reason: e.reason }); break
      case 'task:running': push({ at, peer: id, type: 'running', taskId: e.taskId, epoch: e.epoch }); break
      case 'task:state': {
        const t = e.task
        if (!isTerminal(t.status)) break
        const holder = t.holder ?? 'submitter'
        const key = `${t.taskId} ${holder}@${t.epoch} ${t.status}`
        if (terminalsSent.has(key)) break
        terminalsSent.add(key)
        push({ at, peer: id, type: 'terminal', taskId: t.taskId, holder, epoch: t.epoch, status: t.status })
        break
      }
    }
  })
}

async function startOne (i: number, a: StartPeers): Promise<StartedPeer> {
  let owner = ''
  const executor = new SimulatedSleepExecutor({
    onRun: e => { if (!killed.has(i)) push({ at: Date.now(), peer: owner, type: 'run', ...e }) }
  })
  const peer = await createPeer({
    dataDir: join(a.root, `peer-${i}`), name: `scale-${i}`, listen: ['/ip4/127.0.0.1/tcp/0'], orgKeyFile: a.orgKeyFile,
    bootstrap: a.bootstrap, mdns: false, apiPort: null, leaseTtlMs: a.ttlMs, executor, slots: a.slots,
    ...(a.dialsPerProc > 0 ? { dialSlots: (dialSlots ??= new Slots(a.dialsPerProc)) } : {}),
    // Simulated tasks use no CPU: each peer sees a quiet machine, so real load never throttles it.
    sampler: new StaticSampler({ cores: a.slots, availableMemMb: a.slots * 4096, totalMemMb: a.slots * 8192 })
  })
  owner = peer.peerId
  peers.set(i, peer)
  watch(peer)
  return { index: i, peerId: peer.peerId, addr: peer.node.getMultiaddrs()[0]!.toString() }
}

async function start (a: StartPeers): Promise<StartedPeer[]> {
  const out: StartedPeer[] = []
  for (let k = 0; k < a.indexes.length; k += a.batchSize) {
    out.push(...await Promise.all(a.indexes.slice(k, k + a.batchSize).map(async i => await startOne(i, a))))
  }
  return out
}

/** Peers with fewer than `want` routing-table entries dial a few random members (identify timed out under load). */
async function repair (addrs: string[], want: number, dials: number): Promise<number> {
  const { multiaddr } = await import('@multiformats/multiaddr')
  const short = [...peers.entries()].filter(([i, p]) => !killed.has(i) && routingTableSize(p) < want)
  await Promise.all(short.map(async ([, p]) => {
    const mine = p.node.getMultiaddrs()[0]?.toString()
    await Promise.all(sample(addrs.filter(a => a !== mine), dials).map(async a => { await p.node.dial(multiaddr(a)).catch(() => {}) }))
  }))
  return short.length
}

let measuring: { load: MachineLoad, t0: number, in0: number, out0: number, gossip0: number, opened0: number } | undefined

function socketTotals (): { bytesIn: number, bytesOut: number } {
  let bytesIn = closedIn
  let bytesOut = closedOut
  for (const s of sockets) { bytesIn += s.bytesRead; bytesOut += s.bytesWritten }
  return { bytesIn, bytesOut }
}

function measureStop (): WorkerMeasure {
  const m = measuring ?? { load: new MachineLoad(), t0: performance.now(), in0: 0, out0: 0, gossip0: 0, opened0: 0 }
  measuring = undefined
  const totals = socketTotals()
  const mem = process.memoryUsage()
  const live = [...peers.entries()].filter(([i]) => !killed.has(i)).map(([, p]) => p)
  return {
    peers: live.length,
    wallMs: Math.round(performance.now() - m.t0),
    load: m.load.stop(),
    rssMb: Math.round(mem.rss / 2 ** 20),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    heapUsedMb: Math.round(mem.heapUsed / 2 ** 20),
    bytesIn: totals.bytesIn - m.in0,
    bytesOut: totals.bytesOut - m.out0,
    gossipIn: gossipIn - m.gossip0,
    connectionsOpened: connectionsOpened - m.opened0,
    connections: live.reduce((n, p) => n + p.node.getConnections().length, 0),
    membersReached: live.reduce((n, p) => n + p.membership.view().reachable - 1, 0),
    withMajority: live.filter(p => p.membership.view().majority).length
  }
}

async function submit (a: { index: number, count: number, taskMs: number, concurrency: number, deadline: number }): Promise<number> {
  const peer = peers.get(a.index)
  if (peer === undefined) throw new Error(`peer ${a.index} is not in this worker`)
  let next = 0
  let done = 0
  await Promise.all(Array.from({ length: a.concurrency }, async () => {
    // The deadline covers submission too: a saturated testbed must still end with a report.
    while (next < a.count && Date.now() < a.deadline) {
      next++
      const at = Date.now()
      const { taskId } = await peer.submitTask({ image: 'busybox', command: ['sh', '-c', `sleep ${a.taskMs / 1000}`], timeoutSec: 3600 })
      push({ at, peer: peer.peerId, type: 'submitted', taskId })
      done++
    }
  }))
  return done
}

async function handle (r: Request): Promise<unknown> {
  switch (r.cmd) {
    case 'start': return await start(r.args)
    case 'repair': return await repair(r.args.addrs, r.args.want, r.args.dials)
    case 'routing': return [...peers.entries()].filter(([i]) => !killed.has(i)).map(([, p]) => routingTableSize(p))
    case 'measure-start': {
      const t = socketTotals()
      measuring = { load: new MachineLoad(), t0: performance.now(), in0: t.bytesIn, out0: t.bytesOut, gossip0: gossipIn, opened0: connectionsOpened }
      return null
    }
    case 'measure-stop': return measureStop()
    case 'submit': return await submit(r.args)
    case 'status': {
      const peer = peers.get(r.args.index)
      if (peer === undefined) throw new Error(`peer ${r.args.index} is not in this worker`)
      return await Promise.all(r.args.taskIds.map(async id => await peer.getTask(id).then(v => v.status, () => 'unknown')))
    }
    case 'kill': {
      // Abrupt: transports first, so nothing the peer does from here on reaches anyone.
      const peer = peers.get(r.args.index)
      if (peer === undefined) throw new Error(`peer ${r.args.index} is not in this worker`)
      killed.add(r.args.index)
      await Promise.resolve().then(async () => { await peer.node.stop() }).catch(() => {})
      await peer.scheduler.stop().catch(() => {})
      return null
    }
    case 'stop': {
      await Promise.all([...peers.values()].map(async p => { await p.stop().catch(() => {}) }))
      peers.clear()
      // Exit on our own once the reply is out: a normal exit writes --cpu-prof profiles.
      setTimeout(() => { process.exit(0) }, 200)
      return null
    }
  }
}

process.on('message', (m: { id: number } & Request) => {
  handle(m).then(
    value => { send({ type: 'reply', id: m.id, ok: true, value }) },
    (err: unknown) => { send({ type: 'reply', id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) }) }
  )
})
// The parent is gone (exit, crash, SIGKILL): nobody will ever stop these peers, so go now.
process.on('disconnect', () => { clearInterval(flush); process.exit(0) })
send({ type: 'ready', pid: process.pid })
