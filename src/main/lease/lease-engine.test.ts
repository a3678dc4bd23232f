// Which heartbeats reach the replicas and which only go out by gossip (lease-engine.ts heartbeat).
import { describe, expect, it } from 'vitest'
import type { TaskState } from '../../shared/index.js'
import type { RecordStore } from '../records/index.js'
import { Lease } from './lease.js'
import { LeaseEngine } from './lease-engine.js'

const PEER = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
const leased: TaskState = {
  v: 1, taskId: 'a'.repeat(64), submitter: PEER, specHash: 'b'.repeat(64), status: 'leased', epoch: 1, holder: PEER, seq: 0,
  attempts: 1, ttlMs: 3000, exitCode: null, error: null, resultCid: null, updatedAt: 1
}

/** Replicas that acknowledge every write and hold nothing else; what went where is recorded. */
function setup (majority = true, held: object[] = []): { engine: LeaseEngine, written: number[], gossiped: number[], now: { t: number } } {
  const written: number[] = []
  const gossiped: number[] = []
  const seqOf = (v: unknown): number => (v as TaskState).seq
  const records = {
    quorum: () => 3,
    cached: () => undefined,
    get: async () => ({ best: held[0], copies: held, responses: 5, heldBy: new Map(held.map(() => ['mine', 3])) }),
    put: async (_key: string, value: unknown) => { written.push(seqOf(value)); return { acks: 3, required: 3 } },
    sign: async (_key: string, value: unknown) => ({ bytes: new Uint8Array([seqOf(value)]) })
  } as unknown as RecordStore
  const now = { t: 0 }
  const engine = new LeaseEngine({ records, peerId: PEER, announce: b => { gossiped.push(b[0]!) }, majority: () => majority, clock: () => now.t }, { ttlMs: 3000 })
  return { engine, written, gossiped, now }
}

describe('LeaseEngine heartbeats', () => {
  it('writes the first beat and every third one to the replicas; the others go out by gossip, each a seq higher', async () => {
    const { engine, written, gossiped, now } = setup()
    const lease = new Lease(leased, 0)
    for (let i = 0; i < 6; i++) {
      now.t += 1000
      expect(await engine.heartbeat(lease)).toBe(true)
      if (i === 4) {
        // A gossip beat counts as sent (the lease is not silent) but not as acknowledged.
        expect(lease.lastSentAt).toBe(5000)
        expect(lease.lastAckedAt).toBe(3000)
      }
    }
    expect(written).toEqual([1, 3, 6])
    expect(gossiped).toEqual([2, 4, 5])
    expect(lease.seq).toBe(6)
  })

  it('sends no gossip beat without a majority', async () => {
    const { engine, gossiped } = setup(false)
    const lease = new Lease(leased, 0)
    lease.beats = 1
    expect(await engine.heartbeat(lease)).toBe(false)
    expect(gossiped).toEqual([])
  })

  it('a commit whose last acknowledged beat is old renews it on the replicas first', async () => {
    const { engine, written, now } = setup()
    const lease = new Lease(leased, 0)
    await engine.heartbeat(lease) // 1: replicas
    now.t = 1000
    await engine.heartbeat(lease) // 2: gossip
    now.t = 2500 // the acknowledged beat is 2.5 s old: more than ttl − 1 s
    expect(await engine.commit(lease, { status: 'succeeded', exitCode: 0, error: null })).toBe(true)
    expect(written).toEqual([1, 3, 4])
  })

  it('confirms an unacknowledged result once a quorum holds it, but never from the minority side of a split', async () => {
    const result = { signer: PEER, sigHash: 'mine', value: { ...leased, status: 'succeeded', seq: 2 } }
    const cutOff = new Lease(leased, 0)
    expect(await setup(false, [result]).engine.confirm(cutOff)).toBeUndefined()
    expect(cutOff.fenced).toBe(false)
    const withMajority = new Lease(leased, 0)
    expect(await setup(true, [result]).engine.confirm(withMajority)).toBe(true)
  })
})

describe('LeaseEngine claim of a lease judged expired', () => {
  const HOLDER = '12D3KooWHolderHolderHolderHolderHolderHolderHolder1'
  const running: TaskState = { ...leased, status: 'running', holder: HOLDER, seq: 4 }
  const done: TaskState = { ...running, status: 'succeeded', seq: 5, exitCode: 0 }
  const opened = (v: TaskState): object => ({ value: v, signer: v.holder, sigHash: `${v.holder ?? ''}@${v.epoch} ${v.status} ${v.seq}` })

  /**
   * The replicas read hold only the running lease (the holder's commit went to others, and its
   * gossip was lost); the holder itself has `holderHas`. Writes land on the replicas read.
   */
  function setup (holderHas: TaskState | undefined, initial = running): { engine: LeaseEngine, asked: Array<string | undefined>, written: TaskState[], now: { t: number } } {
    const asked: Array<string | undefined> = []
    const written: TaskState[] = []
    let onReplicas: TaskState = initial
    const records = {
      quorum: () => 3,
      cached: () => undefined,
      get: async (_key: string, o: { holder?: string } = {}) => {
        asked.push(o.holder)
        const fromHolder = o.holder === HOLDER && holderHas !== undefined ? [holderHas] : []
        const copies = [onReplicas, ...fromHolder].map(opened)
        // The shared order: higher epoch first, then a result before a running lease.
        const best = [onReplicas, ...fromHolder].sort((a, b) => b.epoch - a.epoch || (a.status === 'succeeded' ? -1 : 1))[0]!
        return { best: opened(best), copies, responses: 5, heldBy: new Map([[(opened(onReplicas) as { sigHash: string }).sigHash, 5]]) }
      },
      put: async (_key: string, value: TaskState) => { written.push(value); onReplicas = value; return { acks: 5, required: 3 } },
      sign: async () => ({ bytes: new Uint8Array(1) })
    } as unknown as RecordStore
    const now = { t: 0 }
    const engine = new LeaseEngine({ records, peerId: PEER, announce: () => {}, clock: () => now.t }, { ttlMs: 3000, settleMs: 1 })
    return { engine, asked, written, now }
  }

  it('asks the holder first, and takes nothing over when the holder already has its result', async () => {
    const { engine, asked, written, now } = setup(done)
    await engine.readState(running.taskId) // seen running at t = 0
    now.t = 10_000 // and standing still since: expired on this peer's clock
    const outcome = await engine.claim(running.taskId)
    expect(outcome.kind).toBe('not-claimable')
    expect(outcome.kind === 'not-claimable' ? outcome.state?.status : undefined).toBe('succeeded')
    expect(asked.at(-1)).toBe(HOLDER)
    expect(written).toEqual([])
  })

  it('takes the task over when the holder has nothing newer (gone, or too slow to answer)', async () => {
    const { engine, asked, written, now } = setup(undefined)
    await engine.readState(running.taskId)
    now.t = 10_000
    const outcome = await engine.claim(running.taskId)
    expect(outcome.kind).toBe('claimed')
    expect(asked).toContain(HOLDER)
    expect(written.map(w => [w.status, w.epoch, w.holder])).toEqual([['leased', 2, PEER]])
  })

  it('asks no one extra for a queued task', async () => {
    const { engine, asked, written } = setup(done, { ...running, status: 'queued', holder: null, epoch: 0, seq: 0 })
    expect((await engine.claim(running.taskId)).kind).toBe('claimed')
    expect(asked).toEqual([undefined, undefined])
    expect(written.map(w => w.epoch)).toEqual([1])
  })
})
