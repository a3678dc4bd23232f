import { describe, expect, it } from 'vitest'
import type { PeerView, TaskView } from '../../shared/api.js'
import type { LendingView } from '../../shared/sharing.js'
import { applyEvent, namelessHolder, setConnected } from './events.js'
import { pushSample } from './history.js'
import { loaded } from './resource.js'
import { initialData, type AppData } from './state.js'

const peer = (peerId: string, connected: boolean): PeerView => ({ peerId, connected, addrs: [], meta: null })

describe('events', () => {
  it('task:state adds the task once the list is loaded, and tracks tasks running here', () => {
    const t = { taskId: 'a'.repeat(64), status: 'running', epoch: 1, updatedAt: 5, runningHere: true } as TaskView
    const before = initialData('online')
    expect(applyEvent(before, { type: 'task:state', task: t }, 1)?.tasks?.data).toBeUndefined()
    const state = { ...before, tasks: loaded(new Map()) }
    const change = applyEvent(state, { type: 'task:state', task: t }, 42)
    expect(change?.tasks?.data?.get(t.taskId)).toBe(t)
    expect(change?.heldSince?.[t.taskId]).toEqual({ epoch: 1, at: 42 })
  })

  it('sharing:changed replaces the lending view', () => {
    const lending = { heldCpu: 1 } as LendingView
    expect(applyEvent(initialData('online'), { type: 'sharing:changed', lending }, 0)?.lending?.data).toBe(lending)
  })

  it('peer (dis)connect flips a known peer and leaves unknown ones to the next refresh', () => {
    const peers = [peer('A', true), peer('B', false)]
    expect(setConnected(peers, 'B', true)[1]!.connected).toBe(true)
    expect(setConnected(peers, 'A', true)).toBe(peers)
    expect(setConnected(peers, 'Z', true)).toBe(peers)
    const state = { ...initialData('online'), peers: loaded(peers) }
    expect(applyEvent(state, { type: 'peer:disconnect', peerId: 'A' }, 0)?.peers?.data?.[0]!.connected).toBe(false)
    expect(applyEvent(state, { type: 'peer:connect', peerId: 'Z' }, 0)).toBeUndefined()
  })
})

describe('lending history', () => {
  it('keeps 10 minutes of samples and drops any from a clock that went back', () => {
    let h = pushSample([], { at: 0, heldCpu: 1, heldMemMb: 10 })
    h = pushSample(h, { at: 300_000, heldCpu: 2, heldMemMb: 20 })
    h = pushSample(h, { at: 600_000, heldCpu: 3, heldMemMb: 30 })
    expect(h.map((s) => s.at)).toEqual([0, 300_000, 600_000])
    h = pushSample(h, { at: 600_001, heldCpu: 0, heldMemMb: 0 })
    expect(h.map((s) => s.at)).toEqual([300_000, 600_000, 600_001])
    expect(pushSample(h, { at: 400_000, heldCpu: 0, heldMemMb: 0 }).map((s) => s.at)).toEqual([300_000, 400_000])
  })

  it('a holder is nameless until the peers list has its meta; this peer and no holder never are', () => {
    const withMeta = { ...peer('B', true), meta: { name: 'lender-b' } } as unknown as PeerView
    const self = loaded({ peerId: 'A' }) as AppData['status']
    expect(namelessHolder('B', { status: self, peers: loaded([peer('B', true)]) })).toBe(true)
    expect(namelessHolder('C', { status: self, peers: loaded([withMeta]) })).toBe(true)
    expect(namelessHolder('B', { status: self, peers: loaded([withMeta]) })).toBe(false)
    expect(namelessHolder('A', { status: self, peers: loaded([]) })).toBe(false)
    expect(namelessHolder(null, { status: self, peers: loaded([]) })).toBe(false)
  })
})
