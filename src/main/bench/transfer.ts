// The transfer experiment: how fast does a task input move between two members, against a plain
// TCP copy of the same bytes on the same loopback? Each size gets two fresh peer processes
// (transfer-peer.ts): A writes N random bytes and adds them; B fetches them by bitswap (every block
// checked against its CID, stored in B's blockstore), then exports them to a file whose sha256
// must equal A's. The plain copy streams A's file over a TCP socket into a file on B.
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createOrgKeyFile } from '../p2p/index.js'
import { forkBenchWorker, stopBenchWorker } from './bench-worker.js'
import { cpuTimes } from './machine-load.js'
import { TRANSFER_PEER_ENV, TRANSFER_PEER_NODE_ARGS_ENV, type TransferPeerInit, type TransferPeerMessage, type TransferReply, type TransferRequest } from './transfer-protocol.js'

export interface TransferOptions {
  /** Sizes to move, in bytes, one run each. */
  sizes: number[]
  /** Blocks B's fetch wants at once. */
  fetchConcurrency: number
  /** B's fetch gives up after this long without a block. */
  stallMs: number
}

export interface TransferRun {
  experiment: 'transfer'
  bytes: number
  cid: string
  fetchConcurrency: number
  /** A adds the file to its store (chunking, hashing, block writes). */
  add: { ms: number, mbPerSec: number }
  /** B fetches the DAG: bitswap, verification, block writes, pinning. */
  fetch: { ms: number, mbPerSec: number, peakRssMb: number }
  /** B writes the fetched content to a file (streamed from its blockstore). */
  export: { ms: number, mbPerSec: number, peakRssMb: number }
  /** The same bytes over plain TCP on 127.0.0.1, file to file. */
  tcp: { ms: number, mbPerSec: number }
  /**
   * The same bytes over one libp2p stream of the peers' own connection (Noise + yamux), file to
   * file: the most any protocol on this libp2p stack moves here, bitswap or not.
   */
  stream: { ms: number, mbPerSec: number }
  /**
   * CPU seconds each peer process used during the plain copy and during the fetch, and the whole
   * machine's busy share then (0–100 %, every core): where the fetch's time goes.
   */
  cpu: { tcp: PhaseCpu, stream: PhaseCpu, fetch: PhaseCpu }
  /** fetch MB/s ÷ TCP MB/s. */
  ratio: number
  /** libp2p stream MB/s ÷ TCP MB/s: the ratio the transport alone allows. */
  streamRatio: number
  /** The exported file's sha256 equals A's. */
  verified: boolean
  goal: { ratio: number }
  goalMet: boolean
  /** Both peer processes, ended when the run returns. */
  pids: number[]
}

export interface PhaseCpu { aSec: number, bSec: number, machinePct: number }

/** The goal: a fetch at least half as fast as a plain TCP copy. */
export const RATIO_GOAL = 0.5
const START_TIMEOUT_MS = 60_000
const STOP_GRACE_MS = 20_000

const mbPerSec = (bytes: number, ms: number): number => Math.round(bytes / 1e6 / (ms / 1000) * 10) / 10
/** a ÷ b to two decimals. */
const ratioOf = (a: number, b: number): number => Math.round(a / b * 100) / 100

/** Runs `fn` (a request to one peer) and reports both peers' CPU seconds and the machine's busy share meanwhile. */
async function measureCpu<T> (a: PeerProcess, b: PeerProcess, fn: () => Promise<T>): Promise<{ result: T, cpu: PhaseCpu }> {
  const cpuOf = async (p: PeerProcess): Promise<number> => (await p.request({ op: 'cpu' })).cpuMs!
  const [a0, b0] = [await cpuOf(a), await cpuOf(b)]
  const m0 = cpuTimes()
  const result = await fn()
  const m1 = cpuTimes()
  const [a1, b1] = [await cpuOf(a), await cpuOf(b)]
  const sec = (ms: number): number => Math.round(ms / 10) / 100
  const total = m1.total - m0.total
  return { result, cpu: { aSec: sec(a1 - a0), bSec: sec(b1 - b0), machinePct: total <= 0 ? 0 : Math.round((m1.busy - m0.busy) / total * 100) } }
}

const describeCpu = (c: PhaseCpu): string => `CPU A ${c.aSec} s, B ${c.bSec} s; machine ${c.machinePct} % busy`

interface PeerProcess { pid: number, addr: string, request: (r: TransferRequest) => Promise<TransferReply>, stop: () => Promise<void> }

async function startPeer (init: TransferPeerInit, name: string): Promise<PeerProcess> {
  // e.g. MCLOUD_TRANSFER_PEER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile both peers
  const nodeArgs = (process.env[TRANSFER_PEER_NODE_ARGS_ENV] ?? '').split(' ').filter(a => a !== '')
  const child: ChildProcess = forkBenchWorker('transfer-peer', { ...process.env, [TRANSFER_PEER_ENV]: JSON.stringify(init) }, nodeArgs)
  let stderr = ''
  child.stderr?.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-2000) })
  const exited = new Promise<void>(resolve => { child.once('exit', () => { resolve() }) })
  const waiting = new Map<number, { resolve: (r: TransferReply) => void, reject: (e: Error) => void }>()
  let nextId = 1
  const addr = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`peer ${name} did not start within ${START_TIMEOUT_MS / 1000} s`)) }, START_TIMEOUT_MS)
    child.on('message', (m: TransferPeerMessage) => {
      if (m.type === 'ready') { clearTimeout(timer); resolve(m.addr) } else if (m.type === 'failed') { clearTimeout(timer); reject(new Error(`peer ${name}: ${m.error}`)) } else {
        const w = waiting.get(m.reply.id)
        waiting.delete(m.reply.id)
        if (m.reply.error !== undefined) w?.reject(new Error(`peer ${name}: ${m.reply.error}`))
        else w?.resolve(m.reply)
      }
    })
    child.once('exit', code => {
      clearTimeout(timer)
      const err = new Error(`peer ${name} exited (code ${String(code)}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`)
      reject(err)
      for (const w of waiting.values()) w.reject(err)
    })
  }).catch(async (err: unknown) => { child.kill('SIGKILL'); throw err })
  return {
    pid: child.pid!,
    addr,
    request: async r => await new Promise<TransferReply>((resolve, reject) => {
      const id = nextId++
      waiting.set(id, { resolve, reject })
      child.send({ id, request: r })
    }),
    stop: async () => { await stopBenchWorker(child, exited, STOP_GRACE_MS) }
  }
}

/** One size: fresh peers, plain TCP copy, fetch, export. */
export async function runTransfer (bytes: number, o: TransferOptions, print: (line: string) => void): Promise<TransferRun> {
  const root = await mkdtemp(join(tmpdir(), 'mcloud-bench-transfer-'))
  const orgKeyFile = join(root, 'org.key')
  await createOrgKeyFile(orgKeyFile)
  const peers: PeerProcess[] = []
  try {
    for (const name of ['a', 'b']) peers.push(await startPeer({ dir: join(root, name), orgKeyFile, fetchConcurrency: o.fetchConcurrency }, name))
    const [a, b] = peers as [PeerProcess, PeerProcess]
    const added = await a.request({ op: 'add', bytes })
    print(`   A added ${bytes / 1e6} MB in ${Math.round(added.ms!)} ms: ${added.cid!}`)
    const { port } = await a.request({ op: 'tcp-serve' })
    const { result: tcp, cpu: tcpCpu } = await measureCpu(a, b, async () => await b.request({ op: 'tcp-copy', port: port!, bytes }))
    print(`   plain TCP copy: ${Math.round(tcp.ms!)} ms (${describeCpu(tcpCpu)})`)
    await b.request({ op: 'dial', addr: a.addr })
    await a.request({ op: 'stream-serve' })
    const { result: streamed, cpu: streamCpu } = await measureCpu(a, b, async () => await b.request({ op: 'stream-copy', addr: a.addr, bytes }))
    print(`   libp2p stream copy (Noise + yamux, no bitswap): ${Math.round(streamed.ms!)} ms (${describeCpu(streamCpu)})`)
    const { result: fetched, cpu: fetchCpu } = await measureCpu(a, b, async () => await b.request({ op: 'fetch', cid: added.cid!, bytes, stallMs: o.stallMs }))
    print(`   B fetched in ${Math.round(fetched.ms!)} ms (peak RSS ${fetched.peakRssMb!} MiB; ${describeCpu(fetchCpu)})`)
    const exported = await b.request({ op: 'export', cid: added.cid! })
    print(`   B exported in ${Math.round(exported.ms!)} ms (peak RSS ${exported.peakRssMb!} MiB)`)
    const fetch = { ms: Math.round(fetched.ms!), mbPerSec: mbPerSec(bytes, fetched.ms!), peakRssMb: fetched.peakRssMb! }
    const tcpResult = { ms: Math.round(tcp.ms!), mbPerSec: mbPerSec(bytes, tcp.ms!) }
    const stream = { ms: Math.round(streamed.ms!), mbPerSec: mbPerSec(bytes, streamed.ms!) }
    const ratio = ratioOf(fetch.mbPerSec, tcpResult.mbPerSec)
    return {
      experiment: 'transfer',
      bytes,
      cid: added.cid!,
      fetchConcurrency: o.fetchConcurrency,
      add: { ms: Math.round(added.ms!), mbPerSec: mbPerSec(bytes, added.ms!) },
      fetch,
      export: { ms: Math.round(exported.ms!), mbPerSec: mbPerSec(bytes, exported.ms!), peakRssMb: exported.peakRssMb! },
      tcp: tcpResult,
      stream,
      cpu: { tcp: tcpCpu, stream: streamCpu, fetch: fetchCpu },
      ratio,
      streamRatio: ratioOf(stream.mbPerSec, tcpResult.mbPerSec),
      verified: exported.sha256 === added.sha256 && fetched.bytes === bytes,
      goal: { ratio: RATIO_GOAL },
      goalMet: ratio >= RATIO_GOAL,
      pids: peers.map(p => p.pid)
    }
  } finally {
    await Promise.all(peers.map(async p => { await p.stop() }))
    await rm(root, { recursive: true, force: true })
  }
}
