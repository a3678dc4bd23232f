import { describe, expect, it } from 'vitest'
import type { PlacementAnswer } from '../../shared/index.js'
import { summarisePlacement } from './why-summary.js'

const a = (name: string, code: PlacementAnswer['code'], message: string): PlacementAnswer => ({ peerId: `12D3KooW${name}`, name, code, message })

describe('the placement summary', () => {
  it('names the runner, or who can take it', () => {
    expect(summarisePlacement('running', [a('alice', 'running-it', 'runs it now'), a('bob', 'paused', 'paused by the owner')])).toBe('running on alice')
    expect(summarisePlacement('queued', [a('alice', 'would-claim', 'has room'), a('bob', 'would-claim', 'has room')])).toBe('2 peers can take it (alice, bob); it will start shortly')
    expect(summarisePlacement('succeeded', [])).toBe('the task has finished (succeeded)')
  })
  it('groups the same reason and lists the others, leaving out submit-only peers', () => {
    const text = summarisePlacement('queued', [
      a('me', 'no-executor', 'does not lend'), a('alice', 'paused', 'paused by the owner'), a('bob', 'paused', 'paused by the owner'),
      a('carol', 'too-much-memory', 'needs 8 GiB memory but 3 GiB is lendable here'), a('dave', 'no-answer', 'did not answer within 3 s')
    ])
    expect(text).toBe('no peer can take it now — 2 peers: paused by the owner (alice, bob); carol: needs 8 GiB memory but 3 GiB is lendable here; dave: did not answer within 3 s')
  })
  it('says when nobody lends at all', () => {
    expect(summarisePlacement('queued', [a('me', 'no-executor', 'does not lend')])).toBe('no peer can take it: no peer in the network lends (none runs an executor)')
  })
})
