// Two organisation peers over real TCP: a stream that receives many small messages (gossip, lease
// records) no longer answers each one with a yamux window update, and a transfer far larger than
// the receive window still arrives whole (the window is refilled before the sender runs dry).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MCLibp2p } from '../../src/main/p2p/index.js'
import { startMember } from '../helpers/p2p-member.js'

const PROTOCOL = '/mcloud-test/window/1.0.0'
/** yamux frame type of a window update (spec: 0x1). */
const WINDOW_UPDATE = 1

interface Received { bytes: number, windowUpdates: number, done: Promise<void> }

describe('yamux window updates', () => {
  let sender: MCLibp2p
  let receiver: MCLibp2p
  const received: Received[] = []

  beforeAll(async () => {
    const orgKey = crypto.getRandomValues(new Uint8Array(32))
    sender = await startMember(orgKey)
    receiver = await startMember(orgKey)
    // The receiver counts the bytes it gets and the window updates its side of the stream sends.
    await receiver.handle(PROTOCOL, (stream: any) => {
      const r: Received = { bytes: 0, windowUpdates: 0, done: Promise.resolve() }
      const sendFrame = stream.sendFrame
      stream.sendFrame = (header: { type: number }, data?: unknown) => {
        if (header.type === WINDOW_UPDATE) r.windowUpdates++
        return sendFrame(header, data)
      }
      r.done = (async () => { for await (const chunk of stream) r.bytes += chunk.byteLength })()
      received.push(r)
    })
    await sender.dial(receiver.getMultiaddrs()[0]!)
  })

  afterAll(async () => {
    await sender?.stop()
    await receiver?.stop()
  })

  async function open (): Promise<{ stream: any, r: () => Received }> {
    const before = received.length
    const stream: any = await sender.dialProtocol(receiver.peerId, PROTOCOL)
    return { stream, r: () => received[before]! }
  }

  it('answers 200 small messages with at most one window update', async () => {
    const { stream, r } = await open()
    const message = new Uint8Array(1024).fill(7)
    for (let i = 0; i < 200; i++) {
      if (stream.send(message) === false) await stream.onDrain()
      // one frame each, as gossip sends them: let the receiver handle it before the next
      await new Promise(resolve => setImmediate(resolve))
    }
    await stream.close()
    await r().done
    expect(r().bytes).toBe(200 * 1024)
    // 200 KiB is more than half the 256 KiB initial window: one refill, not one per message.
    expect(r().windowUpdates).toBeLessThanOrEqual(1)
  })

  it('delivers 8 MiB, 32 times the receive window, whole', async () => {
    const { stream, r } = await open()
    const chunk = new Uint8Array(64 * 1024)
    for (let i = 0; i < 128; i++) {
      chunk.fill(i)
      if (stream.send(chunk.slice()) === false) await stream.onDrain()
    }
    await stream.close()
    await r().done
    expect(r().bytes).toBe(8 * 1024 * 1024)
    expect(r().windowUpdates).toBeGreaterThan(0)
  }, 30_000)
})
