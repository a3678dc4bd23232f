// The live log relay with real peers and Docker: a client of a peer that neither submitted nor
// runs a task sees its log live, follows it to the next holder when the first one dies mid-run,
// never gets a line twice, and ends with the task; `mcloud logs --follow` on that peer does the same.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { LogStreamFrame } from '../../src/shared/index.js'
import { readApiInfo } from '../../src/main/api/index.js'
import { runCli } from '../../src/main/cli/run.js'
import { DockerExecutor } from '../../src/main/executor/docker/index.js'
import type { Peer } from '../../src/main/peer/index.js'
import { startCluster, waitFor, type Cluster } from '../helpers/cluster.js'
import { containerIds, docker, dockerAvailable, TEST_IMAGE } from '../helpers/docker.js'

const OWNER = 'mcloud-log-relay-test'
const TTL_MS = 3000
const LINES = 40
// 40 numbered lines over ~10 s: long enough to kill the first holder mid-run.
const SCRIPT = `i=0; while [ $i -lt ${LINES} ]; do echo line $i; i=$((i+1)); sleep 0.25; done`

interface Collected { frames: LogStreamFrame[], closed: Promise<{ code: number, reason: string }> }

/** Every frame a WebSocket client receives (arrays unpacked), and how the socket closed. */
function collect (url: string): Collected {
  const ws = new WebSocket(url)
  const frames: LogStreamFrame[] = []
  ws.on('message', data => {
    const decoded = JSON.parse(data.toString()) as LogStreamFrame | LogStreamFrame[]
    frames.push(...(Array.isArray(decoded) ? decoded : [decoded]))
  })
  ws.on('error', () => {})
  const closed = new Promise<{ code: number, reason: string }>(resolve => { ws.on('close', (code, reason) => { resolve({ code, reason: reason.toString() }) }) })
  return { frames, closed }
}

const stdoutOf = (frames: LogStreamFrame[], epoch: number): string[] =>
  frames.flatMap(f => f.type === 'line' && f.line.epoch === epoch && f.line.stream === 'stdout' ? [f.line.line] : [])
const numbered = (n: number): string[] => Array.from({ length: n }, (_, i) => `line ${i}`)

describe.skipIf(!dockerAvailable())('live log relay (WS /api/tasks/:id/logs)', () => {
  let cluster: Cluster
  let observer: Peer
  let wsBase: string
  let token: string
  beforeAll(async () => {
    // 0 submits, 1 only observes (serves the API), 2 and 3 run tasks.
    cluster = await startCluster(4, i => ({
      leaseTtlMs: TTL_MS,
      ...(i === 1 ? { apiPort: 0 } : {}),
      ...(i >= 2 ? { executor: new DockerExecutor({ owner: `${OWNER}-${i}` }) } : {})
    }))
    observer = cluster.peers[1]!
    const info = await readApiInfo(join(cluster.root, 'peer-1'))
    wsBase = `${info.url.replace('http', 'ws')}/api/tasks`
    token = info.token
  }, 60_000)
  afterAll(async () => {
    await cluster?.stop()
    for (const i of [2, 3]) {
      const ids = containerIds(`label=mcloud.owner=${OWNER}-${i}`)
      if (ids.length > 0) docker(['rm', '-f', '-v', ...ids])
    }
  })

  it('follows a task from its holder to the next one when the first dies mid-run, each line once, then ends', async () => {
    const submitter = cluster.peers[0]!
    const { taskId } = await submitter.submitTask({ image: TEST_IMAGE, command: ['sh', '-c', SCRIPT], timeoutSec: 120 })
    const socket = collect(`${wsBase}/${taskId}/logs?token=${token}`)
    // The same on the command line, on the same peer.
    const out: string[] = []
    const err: string[] = []
    const cli = runCli(['logs', '--data-dir', join(cluster.root, 'peer-1'), taskId, '--follow'], {
      stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, env: {}
    })

    // The latest holder: on a loaded machine a 3 s lease can change hands before any line shows.
    const first = await waitFor('a holder streaming its lines', () => {
      const held = socket.frames.findLast(f => f.type === 'holder' && f.holder !== null) as Extract<LogStreamFrame, { type: 'holder' }> | undefined
      return held !== undefined && stdoutOf(socket.frames, held.epoch).length >= 4 ? held : undefined
    }, 45_000).catch((err: Error) => {
      throw new Error(`${err.message}; frames so far: ${JSON.stringify(socket.frames.filter(f => f.type !== 'line'))}, ${socket.frames.length} in all`)
    })
    const holder = cluster.peers.find(p => p.peerId === first.holder)!
    expect([cluster.peers[2], cluster.peers[3]]).toContain(holder)
    // Abrupt: its transports go away with no hand-back (peer.stop() would release the lease).
    await holder.node.stop()

    const { code } = await socket.closed
    expect(code).toBe(1000)
    const holders = socket.frames.filter(f => f.type === 'holder')
    const next = holders.find(f => f.epoch > first.epoch)
    const other = [cluster.peers[2]!, cluster.peers[3]!].find(p => p !== holder)!
    expect(next).toMatchObject({ type: 'holder', holder: other.peerId })
    // The first run: its lines up to the kill, in order, each once.
    const before = stdoutOf(socket.frames, first.epoch)
    expect(before).toEqual(numbered(before.length))
    expect(before.length).toBeLessThan(LINES)
    // The new run: after its holder frame, all of it, in order, each once.
    const after = socket.frames.slice(socket.frames.indexOf(next!))
    expect(stdoutOf(after, next!.epoch)).toEqual(numbered(LINES))
    expect(stdoutOf(socket.frames, next!.epoch)).toEqual(numbered(LINES))
    expect(socket.frames.at(-1)).toEqual({ type: 'end', status: 'succeeded', exitCode: 0, error: null })
    // The observer keeps what it relayed: its plain GET shows the new run too.
    const kept = (await observer.taskLogs(taskId)).lines.filter(l => l.epoch === next!.epoch && l.stream === 'stdout')
    expect(kept.map(l => l.line)).toEqual(numbered(LINES))

    // mcloud logs --follow on the observer: both runs' lines, the re-claim told on stderr.
    expect(await cli).toBe(0)
    const printed = out.join('').trimEnd().split('\n')
    const earlier = [...new Set(holders.map(f => f.epoch))].filter(e => e < first.epoch).sort((a, b) => a - b).flatMap(e => stdoutOf(socket.frames, e))
    expect(printed).toEqual([...earlier, ...before, ...numbered(LINES)])
    expect(err.join('')).toContain(`[mcloud] epoch ${next!.epoch}: `)
  }, 90_000)

  it('refuses the upgrade without the token; a bad id closes with 4400, an unknown task with 4404', async () => {
    const refused = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${wsBase}/${'a'.repeat(64)}/logs`)
      ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0) })
      ws.on('open', () => { reject(new Error('opened without a token')) })
      ws.on('error', () => {})
    })
    expect(refused).toBe(401)
    const bad = collect(`${wsBase}/not-a-task/logs?token=${token}`)
    expect((await bad.closed).code).toBe(4400)
    expect(bad.frames).toEqual([{ type: 'error', name: 'ValidationError', message: 'id: must be a 64-character hex task id', field: 'id' }])
    const unknown = collect(`${wsBase}/${'f'.repeat(64)}/logs?token=${token}`)
    expect((await unknown.closed).code).toBe(4404)
    expect(unknown.frames).toEqual([{ type: 'error', name: 'NotFoundError', message: `no task ${'f'.repeat(64)}` }])
  }, 30_000)
})
