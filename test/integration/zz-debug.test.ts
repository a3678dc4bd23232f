import { it } from 'vitest'
import { isTerminal } from '../../src/shared/index.js'
import { SimulatedSleepExecutor } from '../../src/main/executor/index.js'
import { startCluster } from '../helpers/cluster.js'
it('debug', async () => {
  const cluster = await startCluster(10, () => ({ slots: 2, executor: new SimulatedSleepExecutor() }))
  const counts: Record<string, number> = {}
  for (const p of cluster.peers) p.bus.on(e => { counts[e.type] = (counts[e.type] ?? 0) + 1 })
  const t0 = performance.now()
  const ids: Array<[number, string]> = []
  for (let i = 0; i < 100; i++) { ids.push([i % 10, (await cluster.peers[i % 10]!.submitTask({ image: 'b', command: ['sleep 0.2'] })).taskId]) }
  console.log('submitted', (performance.now() - t0).toFixed(0), JSON.stringify(counts))
  for (let k = 0; k < 40; k++) {
    await new Promise(r => setTimeout(r, 2000))
    let done = 0
    for (const [i, id] of ids) if (isTerminal((await cluster.peers[i]!.getTask(id)).status)) done++
    const running = cluster.peers.map(p => p.scheduler.runningCount).join('')
    console.log(((performance.now() - t0) / 1000).toFixed(0), 's done', done, 'running', running, JSON.stringify(counts), JSON.stringify(process.cpuUsage()))
    if (done === ids.length) break
  }
  await cluster.stop()
}, 200000)
