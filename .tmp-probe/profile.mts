// Idle profile of N testbed peers in one process: top self-time functions and by package.
import { Session } from 'node:inspector/promises'
import { startTestbed } from '../src/main/bench/testbed.js'
import { SimulatedSleepExecutor } from '../src/main/executor/index.js'
const N = Number(process.argv[2] ?? 35)
const SETTLE = Number(process.argv[3] ?? 40)
const t0 = performance.now()
const tb = await startTestbed({ peers: N, ttlMs: 10000, slots: 2, executorFor: () => new SimulatedSleepExecutor() })
console.log(`up in ${((performance.now() - t0) / 1000).toFixed(1)} s; settling ${SETTLE} s`)
await new Promise(r => setTimeout(r, SETTLE * 1000))
const conns = tb.peers.map(p => p.node.getPeers().length)
console.log('connections per peer avg', (conns.reduce((a, b) => a + b, 0) / N).toFixed(1))
const WORK = process.argv[4] === 'work'
if (WORK) {
  const subs = tb.peers.slice(0, 4)
  let n = 0
  await Promise.all(subs.map(async p => { for (let k = 0; k < 12; k++) { await p.submitTask({ image: 'busybox', command: ['sh', '-c', 'sleep 40'] }); n++ } }))
  console.log('submitted', n, 'running', tb.peers.reduce((a, p) => a + p.scheduler.runningCount, 0))
  await new Promise(r => setTimeout(r, 5000))
  console.log('running', tb.peers.reduce((a, p) => a + p.scheduler.runningCount, 0))
}
const s = new Session(); s.connect()
await s.post('Profiler.enable'); await s.post('Profiler.start')
const c0 = process.cpuUsage()
await new Promise(r => setTimeout(r, 20000))
const c1 = process.cpuUsage(c0)
const { profile } = await s.post('Profiler.stop') as any
console.log(`cpu ${(((c1.user + c1.system) / 1000) / 20000 * 100).toFixed(1)}% of a core total, ${(((c1.user + c1.system) / 1000) / 20000 * 100 / N).toFixed(2)}% per peer`)
const self = new Map<number, number>()
const dt = profile.timeDeltas as number[]
profile.samples.forEach((id: number, i: number) => self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0)))
const byFn = new Map<string, number>(); const byPkg = new Map<string, number>()
let total = 0
for (const n of profile.nodes) {
  const t = self.get(n.id) ?? 0; total += t
  const cf = n.callFrame
  const url: string = cf.url || '(native)'
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  const pkg = m ? m[1] : url.includes('/src/') ? 'src:' + url.split('/src/')[1] : url.startsWith('node:') ? url : cf.functionName || '(other)'
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + t)
  const key = `${cf.functionName || '(anon)'} ${url.split('/').slice(-2).join('/')}:${cf.lineNumber}`
  byFn.set(key, (byFn.get(key) ?? 0) + t)
}
// inclusive time per function name (a node's subtree), counted once per stack
const kids = new Map<number, number[]>()
for (const n of profile.nodes) kids.set(n.id, n.children ?? [])
const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]))
const incl = new Map<string, number>()
const walk = (id: number, onStack: Set<string>): number => {
  const n = byId.get(id)
  const name = `${n.callFrame.functionName || '(anon)'} ${String(n.callFrame.url).split('/').slice(-2).join('/')}`
  let t = self.get(id) ?? 0
  const fresh = !onStack.has(name)
  if (fresh) onStack.add(name)
  for (const c of kids.get(id) ?? []) t += walk(c, onStack)
  if (fresh) { onStack.delete(name); incl.set(name, (incl.get(name) ?? 0) + t) }
  return t
}
walk(profile.nodes[0].id, new Set())
const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([n, t]) => `${(t / total * 100).toFixed(1).padStart(5)}%  ${n}`).join('\n')
console.log('--- by package\n' + top(byPkg, 25))
console.log('--- by function\n' + top(byFn, 25))
const mine = new Map([...incl].filter(([k]) => /src\/|kad-dht|gossipsub|handler|peer-store|identify/.test(k)))
console.log('--- inclusive (ours, kad-dht, gossipsub, peer-store)\n' + top(mine, 60))
await tb.stop()
process.exit(0)
