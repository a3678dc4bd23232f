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
  it('says plainly when every peer declines by the same owner policy', () => {
    const evil = { image: 'docker.io/evil:latest', timeoutSec: 3600 }
    const refuse = (name: string): PlacementAnswer => a(name, 'image-not-allowed', 'image docker.io/evil:latest is not allowed here (allowed: mcloud-test/*)')
    expect(summarisePlacement('queued', [a('me', 'no-executor', 'does not lend'), refuse('alice'), refuse('bob')], evil))
      .toBe('no peer accepts image docker.io/evil:latest (declined by policy: alice, bob)')
    expect(summarisePlacement('queued', [a('alice', 'too-long', 'may run 1 h (its timeout); this peer runs one task for at most 30 min')], evil))
      .toBe('no peer accepts a task timeout of 1 h (declined by policy: alice)')
    expect(summarisePlacement('queued', [a('alice', 'network-not-allowed', 'asks for network access; this peer does not allow it')], evil))
      .toBe('no peer allows network access (declined by policy: alice)')
  })
  it('says plainly when every peer declines the task\'s inputs as too big', () => {
    const cid = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
    const big = { image: 'python:3.12', timeoutSec: 60, inputs: [{ name: 'data.csv', cid, bytes: 2 ** 30 }, { name: 'model.bin', cid, bytes: 0.2 * 2 ** 30 }] }
    const refuse = (name: string, cap: string): PlacementAnswer => a(name, 'inputs-too-big', `its inputs (1.2 GiB) exceed this peer's limit of ${cap}`)
    expect(summarisePlacement('queued', [a('me', 'no-executor', 'does not lend'), refuse('alice', '500 MiB'), refuse('bob', '1 GiB')], big))
      .toBe('no peer accepts 1.2 GiB of inputs (declined by policy: alice, bob)')
    // with another reason among them, each is listed
    expect(summarisePlacement('queued', [refuse('alice', '500 MiB'), a('bob', 'paused', 'paused by the owner')], big))
      .toBe('no peer can take it now — alice: its inputs (1.2 GiB) exceed this peer\'s limit of 500 MiB; bob: paused by the owner')
  })
  it('lists each reason when the peers decline for different reasons, or one did not answer', () => {
    const evil = { image: 'docker.io/evil:latest', timeoutSec: 60 }
    expect(summarisePlacement('queued', [a('alice', 'image-not-allowed', 'image docker.io/evil:latest is not allowed here (allowed: x/*)'), a('bob', 'paused', 'paused by the owner')], evil))
      .toBe('no peer can take it now — alice: image docker.io/evil:latest is not allowed here (allowed: x/*); bob: paused by the owner')
    expect(summarisePlacement('queued', [a('alice', 'image-not-allowed', 'image docker.io/evil:latest is not allowed here (allowed: x/*)'), a('bob', 'no-answer', 'did not answer within 3 s')], evil))
      .toMatch(/^no peer can take it now — /)
  })
  it('says when nobody lends at all', () => {
    expect(summarisePlacement('queued', [a('me', 'no-executor', 'does not lend')])).toBe('no peer can take it: no peer in the network lends (none runs an executor)')
  })
})
