// Who is settled, who has a majority, how fast fresh tasks are claimed, on an idle 15-peer testbed.
import { startTestbed } from '../src/main/bench/testbed.js'
import { SimulatedSleepExecutor } from '../src/main/executor/index.js'
const N = 15
const t0 = performance.now()
const tb = await startTestbed({ peers: N, ttlMs: 10000, slots: 2, executorFor: i => i < 3 ? undefined : new SimulatedSleepExecutor() })
const since = () => ((performance.now() - t0) / 1000).toFixed(1)
console.log(`up at ${since()} s`)
for (const [i, p] of tb.peers.entries()) {
  p.bus.on((e: any) => { if (e.type === 'lease:claimed' || e.type === 'task:running') console.log(since(), i, e.type, e.taskId.slice(0, 6), e.epoch) })
}
const lastSeq = new Map<string, number>()
for (const [i, p] of tb.peers.entries()) {
  const w = p.leases.watcher
  const orig = w.isExpired.bind(w)
  const said = new Set<string>()
  w.isExpired = (st: any) => {
    const r = orig(st)
    const k = st.taskId + '@' + st.epoch
    if (r && !said.has(k)) { said.add(k); console.log(since(), i, 'judged expired', st.taskId.slice(0, 6), 'epoch', st.epoch, 'seq', st.seq, 'first seen', ((w.firstSeenAt(st.taskId)! - t0) / 1000).toFixed(1)) }
    return r
  }
  p.bus.on((e: any) => { if (e.type === 'task:state' && e.task?.status === 'running') lastSeq.set(e.task.taskId, e.task.seq) })
}
const show = () => {
  const v = tb.peers.map(p => { const m = p.membership.view(); return `${m.reachable}/${m.known}${p.leases.settled() ? '' : '*'}` })
  console.log(since(), 'reach/known (*=unsettled):', v.join(' '))
}
const iv = setInterval(show, 5000)
await new Promise(r => setTimeout(r, 3000))
for (let k = 0; k < 6; k++) await tb.peers[k % 3]!.submitTask({ image: 'busybox', command: ['sh', '-c', 'sleep 20'] })
console.log(since(), 'submitted 6')
await new Promise(r => setTimeout(r, 8000))
const victims = tb.peers.filter(p => p.scheduler.runningCount > 0).slice(0, 3)
console.log(since(), 'killing', victims.length, 'holders')
for (const v of victims) await tb.kill(v)
await new Promise(r => setTimeout(r, 25000))
clearInterval(iv)
await tb.stop()
process.exit(0)
