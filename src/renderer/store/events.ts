// Pure application of the peer's events (except log lines, which are batched) to the state.
import type { ApiEvent, PeerView } from '../../shared/api.js'
import { loaded } from './resource.js'
import type { AppData } from './state.js'
import { trackHeldSince, upsertTask } from './tasks.js'
import { applyInputProgress, applyProgress, forgetInputFetch } from './transfers.js'

/** The state change an event causes; undefined when it changes nothing here. */
export function applyEvent (state: AppData, event: ApiEvent, now: number): Partial<AppData> | undefined {
  switch (event.type) {
    case 'task:state': {
      const tasks = upsertTask(state.tasks.data ?? new Map(), event.task)
      const inputs = event.task.runningHere ? state.inputs : forgetInputFetch(state.inputs, event.task.taskId)
      return {
        tasks: state.tasks.data === undefined ? state.tasks : { ...state.tasks, data: tasks },
        heldSince: trackHeldSince(state.heldSince, event.task, now),
        ...(inputs === state.inputs ? {} : { inputs })
      }
    }
    case 'sharing:changed':
      return { lending: loaded(event.lending) }
    case 'peer:connect':
    case 'peer:disconnect': {
      const peers = state.peers.data
      if (peers === undefined) return undefined
      const updated = setConnected(peers, event.peerId, event.type === 'peer:connect')
      return updated === peers ? undefined : { peers: { ...state.peers, data: updated } }
    }
    case 'transfer:progress': {
      // one direction per event: inputs fetched here, or outputs of my tasks
      if (event.direction === 'inputs') {
        const inputs = applyInputProgress(state.inputs, event)
        return inputs === state.inputs ? undefined : { inputs }
      }
      const outputs = applyProgress(state.outputs, event)
      return outputs === state.outputs ? undefined : { outputs }
    }
    case 'task:log':
      return undefined
  }
}

/** Marks a known peer (dis)connected; an unknown one appears at the next peers() refresh. */
export function setConnected (peers: PeerView[], peerId: string, connected: boolean): PeerView[] {
  const i = peers.findIndex((p) => p.peerId === peerId)
  if (i < 0 || peers[i]!.connected === connected) return peers
  const next = [...peers]
  next[i] = { ...peers[i]!, connected }
  return next
}

/**
 * Whether a task's holder is another peer this page has no name for yet: it is not in the peers
 * list, or it connected before its meta (name, what it lends) reached this peer.
 */
export function namelessHolder (holder: string | null, state: Pick<AppData, 'peers' | 'status'>): boolean {
  if (holder === null || holder === state.status.data?.peerId) return false
  return state.peers.data?.find((p) => p.peerId === holder)?.meta == null
}
