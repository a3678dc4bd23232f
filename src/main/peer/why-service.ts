// "Why isn't my task placed?": the `/mcloud/why/1.0.0` protocol. The submitter asks each peer
// about one task; each answers with its own reason (paused, needs more memory than it lends, …).
// Framing is JSON lines: the request {taskId}, then one PlacementAnswer.
import type { PeerId } from '@libp2p/interface'
import { placementAnswerSchema, taskIdString, type PlacementAnswer } from '../../shared/index.js'
import { frame, jsonLines, send } from '../p2p/index.js'

export const WHY_PROTOCOL = '/mcloud/why/1.0.0'
const MAX_LINE = 4096
/** A peer that has not answered by then is reported as "did not answer", never waited on. */
export const WHY_TIMEOUT_MS = 3000

interface WhyNode {
  handle: (protocol: string, handler: (stream: any) => void | Promise<void>, options?: object) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
  dialProtocol: (peer: PeerId, protocol: string, options?: { signal?: AbortSignal, runOnLimitedConnection?: boolean }) => Promise<any>
}

export class WhyService {
  constructor (private readonly node: WhyNode, private readonly explain: (taskId: string) => Promise<PlacementAnswer>) {}

  async start (): Promise<void> {
    await this.node.handle(WHY_PROTOCOL, async (stream: any) => { await this.serve(stream) }, { runOnLimitedConnection: true })
  }

  async stop (): Promise<void> {
    await this.node.unhandle(WHY_PROTOCOL).catch(() => {})
  }

  private async serve (stream: any): Promise<void> {
    try {
      const first = await jsonLines(stream, MAX_LINE)[Symbol.asyncIterator]().next()
      const taskId = taskIdString.safeParse((JSON.parse(first.value ?? '{}') as { taskId?: unknown }).taskId)
      if (!taskId.success) { stream.abort?.(new Error('taskId: must be a 64-character hex task id')); return }
      await send(stream, frame(await this.explain(taskId.data)))
      await stream.close()
    } catch {
      stream.abort?.(new Error('why request failed'))
    }
  }

  /** This peer's own answer, then each of `peers`' (asked at once), for the submitter's "why". */
  async askAll (peers: PeerId[], taskId: string, nameOf: (peerId: string) => string): Promise<PlacementAnswer[]> {
    const others = await Promise.all(peers.map(async p => await this.ask(p, taskId, nameOf(p.toString()))))
    return [await this.explain(taskId), ...others]
  }

  /** Asks one peer; a peer that fails, sends garbage or is slow yields a 'no-answer' answer. */
  async ask (peer: PeerId, taskId: string, fallbackName: string): Promise<PlacementAnswer> {
    const signal = AbortSignal.timeout(WHY_TIMEOUT_MS)
    try {
      const stream = await this.node.dialProtocol(peer, WHY_PROTOCOL, { signal, runOnLimitedConnection: true })
      const onAbort = (): void => { stream.abort?.(new Error('timed out')) }
      signal.addEventListener('abort', onAbort, { once: true })
      try {
        await send(stream, frame({ taskId }))
        const first = await jsonLines(stream, MAX_LINE)[Symbol.asyncIterator]().next()
        const parsed = placementAnswerSchema.safeParse(JSON.parse(first.value ?? 'null'))
        await stream.close().catch(() => {})
        // A peer speaks only for itself.
        if (parsed.success && parsed.data.peerId === peer.toString()) return parsed.data
        return noAnswer(peer, fallbackName, 'sent an answer that is not valid')
      } finally {
        signal.removeEventListener('abort', onAbort)
      }
    } catch (err) {
      return noAnswer(peer, fallbackName, signal.aborted ? `did not answer within ${WHY_TIMEOUT_MS / 1000} s` : `could not be asked (${(err as Error).message.slice(0, 120)})`)
    }
  }
}

function noAnswer (peer: PeerId, name: string, message: string): PlacementAnswer {
  return { peerId: peer.toString(), name: name.slice(0, 64), code: 'no-answer', message }
}
