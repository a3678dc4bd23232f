// Task and node histories for the control store's tests (unit with PGlite, integration with a real
// server): realistic lifecycles, arbitrary record sets, and what the record order selects from them.
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { compareBySeq, compareTaskState, selectBest } from '../../shared/order.js'
import type { NodeMeta, TaskSpec, TaskState, TaskStatus } from '../../shared/schemas.js'
import type { ControlDb } from './db.js'

/** One sighting of a signed state record, as the control peer would receive it. */
export interface Observed { state: TaskState, sigHash: string, observedAt: number }
export interface ObservedMeta { meta: NodeMeta, sigHash: string, observedAt: number }

const hex = (s: string): string => createHash('sha256').update(s).digest('hex')
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
/** A string shaped like a libp2p Ed25519 peer id (the store does not validate it). */
export const peerId = (i: number): string =>
  '12D3KooW' + Array.from({ length: 44 }, (_, k) => B58[(i * 31 + k * 7) % B58.length]).join('')

export const SUBMITTER = peerId(0)
export const HOLDERS = [peerId(1), peerId(2), peerId(3)]
export const taskIdOf = (i: number): string => hex(`task-${i}`)

export function specOf (i: number): TaskSpec {
  return {
    v: 1, submitter: SUBMITTER, submitterName: 'alice', image: 'busybox', command: ['sh', '-c', `echo ${i}`],
    cpu: 0.5, memoryMb: 64, timeoutSec: 30, env: {}, maxAttempts: 3, retryOnFailure: false, network: false,
    createdAt: 1_700_000_000_000 + i, nonce: `nonce-${i}-abcdef`
  }
}

function stateOf (taskId: string, status: TaskStatus, epoch: number, seq: number, holder: string | null, at: number): TaskState {
  const done = status === 'succeeded' || status === 'failed'
  return {
    v: 1, taskId, submitter: SUBMITTER, specHash: hex(`spec-${taskId}`), status, epoch, holder, seq,
    attempts: epoch, ttlMs: 3000, exitCode: done ? (status === 'succeeded' ? 0 : 1) : null,
    error: status === 'failed' ? 'exit 1' : null, resultCid: status === 'succeeded' ? `cid-${taskId.slice(0, 8)}` : null,
    updatedAt: at
  }
}

/**
 * The records one task's life writes, in the order they were written. `variant` picks the story:
 * cancelled before a claim, a claim race at one epoch, a holder that dies and is replaced, a
 * hand-back, one left running, and success or failure at the end.
 */
export function lifecycle (i: number, variant = i): Observed[] {
  const id = taskIdOf(i)
  const out: Observed[] = []
  let t = 1_700_000_100_000 + i * 1000
  const put = (status: TaskStatus, epoch: number, seq: number, holder: string | null, salt = ''): void => {
    t += 50
    out.push({ state: stateOf(id, status, epoch, seq, holder, t), sigHash: hex(`${id}/${epoch}/${status}/${seq}/${holder}${salt}`), observedAt: t + 7 })
  }
  put('queued', 0, 0, null)
  if (variant % 10 === 9) { put('cancelled', 0, 1, null); return out }
  let epoch = 1
  let holder = HOLDERS[variant % 3]!
  // Two peers claim the same epoch: the selector keeps one, the other sees it lost and backs off.
  if (variant % 4 === 1) put('leased', epoch, 0, HOLDERS[(variant + 1) % 3]!, '-rival')
  put('leased', epoch, 0, holder)
  const beats = 1 + (variant % 3)
  for (let s = 1; s <= beats; s++) put('running', epoch, s, holder)
  if (variant % 5 === 3) { // the holder dies: another peer observes expiry and claims a new epoch
    epoch++; holder = HOLDERS[(variant + 2) % 3]!
    put('leased', epoch, 0, holder); put('running', epoch, 1, holder)
  }
  if (variant % 7 === 4) { // a hand-back is queued at a fresh epoch, then claimed again
    epoch++; put('queued', epoch, 0, holder)
    epoch++; put('leased', epoch, 0, holder); put('running', epoch, 1, holder)
  }
  if (variant % 11 === 10) return out
  put(variant % 6 === 5 ? 'failed' : 'succeeded', epoch, beats + 2, holder)
  return out
}

/** Arbitrary state records of a few tasks, with ties on (epoch, status rank, seq) broken by sigHash. */
export function observedArb (taskIds: readonly string[]): fc.Arbitrary<Observed> {
  // Mixed case on purpose: JS string order puts 'A' before 'a', as COLLATE "C" must in SQL.
  const sig = fc.constantFrom('0a', '0b', 'A0', 'a0', 'ff')
  return fc.record({
    taskId: fc.constantFrom(...taskIds),
    epoch: fc.integer({ min: 0, max: 3 }),
    status: fc.constantFrom<TaskStatus>('queued', 'leased', 'running', 'succeeded', 'failed', 'cancelled'),
    seq: fc.integer({ min: 0, max: 3 }),
    holder: fc.constantFrom(...HOLDERS),
    sigHash: sig,
    at: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_900_000 })
  }).map(({ taskId, epoch, status, seq, holder, sigHash, at }) => {
    const st: TaskStatus = epoch === 0 && status !== 'cancelled' ? 'queued' : status
    const state = stateOf(taskId, st, epoch, seq, epoch === 0 ? null : holder, at)
    // A sig hash names one signed record: two different records never share one. The prefix makes
    // ties on the order's other keys likely and puts them in a known order.
    return { state, sigHash: sigHash.slice(0, 2) + hex(JSON.stringify(state)).slice(2), observedAt: at + 3 }
  })
}

/** The record the DHT's selector picks for each task. */
export function selectedStates (events: readonly Observed[]): Map<string, Observed> {
  const byTask = new Map<string, Observed[]>()
  for (const e of events) byTask.set(e.state.taskId, [...(byTask.get(e.state.taskId) ?? []), e])
  const out = new Map<string, Observed>()
  for (const [id, list] of byTask) {
    const ranked = list.map((e) => ({ value: e.state, sigHash: e.sigHash, e }))
    out.set(id, ranked[selectBest(ranked, compareTaskState)]!.e)
  }
  return out
}

export function metaOf (node: number, seq: number, at: number): NodeMeta {
  return {
    v: 1, peerId: HOLDERS[node % 3]!, name: `desk-${node}`, version: '0.1.0', seq, cores: 4, idleCpuPct: (seq * 13) % 100,
    freeMemMb: 1000 + seq, lendableCpu: 2, lendableMemMb: 2048, sharing: 'on', dockerOk: true, allowNetwork: false,
    runningTasks: seq % 3, addrs: [`/ip4/127.0.0.1/tcp/${4000 + node}`], updatedAt: at
  }
}

export function selectedMeta (events: readonly ObservedMeta[]): Map<string, ObservedMeta> {
  const out = new Map<string, ObservedMeta>()
  for (const e of events) {
    const cur = out.get(e.meta.peerId)
    if (cur === undefined || compareBySeq({ value: e.meta, sigHash: e.sigHash }, { value: cur.meta, sigHash: cur.sigHash }) < 0) out.set(e.meta.peerId, e)
  }
  return out
}

/** Fisher–Yates with a seeded generator, so a failing shuffle can be replayed from its seed. */
export function shuffled<T> (items: readonly T[], seed: number): T[] {
  const a = [...items]
  let x = seed >>> 0 || 1
  for (let i = a.length - 1; i > 0; i--) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0
    const j = x % (i + 1)
    ;[a[i], a[j]] = [a[j]!, a[i]!]
  }
  return a
}

/** Everything the store wrote, without the generated ids, in a stable order. */
export async function snapshot (db: ControlDb): Promise<unknown> {
  const q = async (sql: string): Promise<unknown[]> => (await db.query(sql)).rows
  return {
    jobs: await q('SELECT * FROM demand_jobs ORDER BY id'),
    events: await q(`SELECT task_id, epoch, status, seq::text, holder, attempts, exit_code, error, result_cid, sig_hash,
      updated_at, observed_at FROM task_events ORDER BY task_id, epoch, status, seq, sig_hash`),
    nodes: await q('SELECT * FROM nodes ORDER BY peer_id'),
    history: await q(`SELECT peer_id, seq::text, sig_hash, updated_at, observed_at FROM node_history
      ORDER BY peer_id, seq, sig_hash`)
  }
}

export async function clearTables (db: ControlDb): Promise<void> {
  // DELETE, not TRUNCATE: on these few rows it is much cheaper than new relation files (PGlite on disk).
  for (const t of ['demand_jobs', 'task_events', 'nodes', 'node_history']) await db.query(`DELETE FROM ${t}`)
}
