import { describe, expect, it } from 'vitest'
import type { JobRow } from '../../shared/control-api.js'
import { disagreements, type SelectedState } from './spof-agreement.js'

const state = (over: Partial<SelectedState> = {}): SelectedState => ({ status: 'succeeded', epoch: 2, holder: 'peerA', seq: 7, sigHash: 'h1', ...over })
const row = (id: string, s: SelectedState): JobRow => ({
  id, status: s.status, leaseToken: s.epoch, holder: s.holder, seq: s.seq, sigHash: s.sigHash, attempts: 1, exitCode: 0, error: null,
  resultCid: null, ttlSec: 10, submitter: 'peerS', submitterName: 's', image: 'busybox', command: ['sleep', '1'], cpu: 0.1, memoryMb: 64,
  timeoutSec: 60, maxAttempts: 3, metrics: null, createdAt: 1, updatedAt: 2, finishedAt: 2, observedAt: 3
})

describe('disagreements between the control database and the DHT', () => {
  it('none when every row names the selected state', () => {
    expect(disagreements([row('t1', state()), row('t2', state({ holder: null, status: 'queued', seq: 0 }))],
      new Map([['t1', state()], ['t2', state({ holder: null, status: 'queued', seq: 0 })]]))).toEqual([])
  })

  it('names the first differing field, a missing row, and a task with no readable state', () => {
    const dht = new Map<string, SelectedState | undefined>([
      ['seq', state({ seq: 8 })], ['epoch', state({ epoch: 3 })], ['sig', state({ sigHash: 'h2' })], ['missing', state()], ['unread', undefined]
    ])
    const rows = [row('seq', state()), row('epoch', state()), row('sig', state()), row('unread', state())]
    expect(disagreements(rows, dht)).toEqual([
      { taskId: 'seq', field: 'seq', db: '7', dht: '8' },
      { taskId: 'epoch', field: 'leaseToken', db: '2', dht: '3' },
      { taskId: 'sig', field: 'sigHash', db: 'h1', dht: 'h2' },
      { taskId: 'missing', field: 'no row', db: '–', dht: 'succeeded@2' },
      { taskId: 'unread', field: 'no state in the DHT', db: 'succeeded', dht: '–' }
    ])
  })

  it('ignores rows of tasks outside the experiment', () => {
    expect(disagreements([row('other', state({ status: 'failed' }))], new Map())).toEqual([])
  })
})
