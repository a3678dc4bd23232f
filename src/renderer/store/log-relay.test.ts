import { describe, expect, it } from 'vitest'
import type { LogLine } from '../../shared/api.js'
import type { LogStreamFrame } from '../../shared/control-api.js'
import { applyRelayFrames, relayConnection, relayReopened, relayStatusText, startRelay } from './log-relay.js'
import { logLines } from './logs.js'

const T = 't'.repeat(64)
const names: Record<string, string> = { P1: 'desk-1', P2: 'desk-2' }
const nameOf = (id: string): string => names[id] ?? id
const line = (n: number, over: Partial<LogLine> = {}): LogStreamFrame =>
  ({ type: 'line', line: { taskId: T, epoch: 1, stream: 'stdout', line: `line ${n}`, at: 1000 + n, ...over } })
const texts = (v: ReturnType<typeof startRelay>): string[] => logLines(v.log).map((l) => l.line)

describe('the live log relay, frame by frame', () => {
  it('shows lines, notes each new holder once, and the final status on end', () => {
    let v = relayConnection(startRelay(T), 'open')
    v = applyRelayFrames(v, [
      { type: 'holder', holder: 'P1', epoch: 1, status: 'running' }, line(1), line(2),
      // The same holder again (e.g. leased → running) is no news.
      { type: 'holder', holder: 'P1', epoch: 1, status: 'running' }
    ], nameOf, 5)
    expect(relayStatusText(v, nameOf)).toBe('Now on desk-1 (epoch 1)')
    // A re-claim: the task continues on another peer.
    v = applyRelayFrames(v, [{ type: 'holder', holder: 'P2', epoch: 2, status: 'running' }, line(3, { epoch: 2 })], nameOf, 6)
    v = applyRelayFrames(v, [{ type: 'end', status: 'succeeded', exitCode: 0, error: null }], nameOf, 7)
    expect(texts(v)).toEqual([
      '— now on desk-1 (epoch 1) —', 'line 1', 'line 2', '— now on desk-2 (epoch 2) —', 'line 3', '— succeeded with exit code 0 —'
    ])
    expect(logLines(v.log).filter((l) => l.stream === 'system')).toHaveLength(3)
    expect(v.log.complete).toBe(true)
    expect(relayStatusText(v, nameOf)).toBe('Ended: succeeded (exit code 0)')
  })

  it('says when the task waits for a peer and when the relay reconnects', () => {
    let v = startRelay(T)
    expect(relayStatusText(v, nameOf)).toBe('Connecting to the log relay…')
    v = applyRelayFrames(relayConnection(v, 'open'), [{ type: 'holder', holder: null, epoch: 0, status: 'queued' }], nameOf, 1)
    expect(texts(v)).toEqual(['— waiting for a peer (queued) —'])
    expect(relayStatusText(relayConnection(v, 'retrying'), nameOf)).toBe('Waiting for a peer (queued) · the log relay dropped, reconnecting…')
  })

  it('does not show the buffered lines twice after the socket reopens, but keeps lines printed twice on purpose', () => {
    let v = applyRelayFrames(relayConnection(startRelay(T), 'open'), [line(1), line(2), line(2), line(3)], nameOf, 1)
    v = relayReopened(v)
    // The server replays its buffer (1, 2, 2, 3), then what was printed while the socket was down (4), then live (2 again).
    v = applyRelayFrames(v, [line(1), line(2)], nameOf, 2)
    v = applyRelayFrames(v, [line(2), line(3), line(4), line(2)], nameOf, 3)
    expect(texts(v)).toEqual(['line 1', 'line 2', 'line 2', 'line 3', 'line 4', 'line 2'])
    expect(v.replay).toBeNull()
  })

  it('shows an error frame and ignores lines of another task', () => {
    let v = applyRelayFrames(startRelay(T), [line(1, { taskId: 'other' }), { type: 'error', name: 'NotFoundError', message: 'no task tttt' }], nameOf, 1)
    expect(v.log.count).toBe(0)
    expect(v.error).toBe('no task tttt')
    expect(relayStatusText(v, nameOf)).toBe('Not following this task')
    // Frames that change nothing leave the value as it was (no re-render).
    v = relayConnection(v, 'closed')
    expect(applyRelayFrames(v, [], nameOf, 2)).toBe(v)
    expect(relayConnection(v, 'closed')).toBe(v)
  })

  it('reports a failure with its exit code and error', () => {
    const v = applyRelayFrames(startRelay(T), [{ type: 'end', status: 'failed', exitCode: 2, error: 'exit code 2' }], nameOf, 1)
    expect(texts(v)).toEqual(['— failed with exit code 2: exit code 2 —'])
    expect(relayStatusText(v, nameOf)).toBe('Ended: failed (exit code 2)')
  })
})
