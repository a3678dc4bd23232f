// Keeps the store in step with the peer: the event stream, a refetch whenever the connection comes
// back, and polls for what has no event (lending gauges, peer meta, why-not-placed).
import type { Transport } from '../transport/index.js'
import type { AppStore } from './app-store.js'
import { HISTORY_SAMPLE_MS } from './history.js'

/** How often each poll runs; the lending poll is also the chart's sampling. */
export const POLL_MS = {
  lending: HISTORY_SAMPLE_MS,
  status: 10_000,
  peers: 5000,
  // A safety net for task:state events lost while the stream reconnects.
  tasks: 15_000,
  why: 4000
} as const

/** Starts syncing; returns the function that stops it. */
export function startSync (store: AppStore, api: Transport): () => void {
  const { actions } = store.getState()
  const stops: Array<() => void> = []

  stops.push(api.subscribe((event) => { actions.receive(event) }))
  stops.push(api.onLink((link) => {
    const was = store.getState().link
    store.setState({ link })
    // Events may have been missed while the stream was down: read everything again.
    if (link === 'online' && was !== 'online') void actions.refreshAll()
  }))

  const every = (ms: number, run: () => void): void => {
    const timer = setInterval(run, ms)
    stops.push(() => { clearInterval(timer) })
  }
  const live = (): boolean => store.getState().link !== 'unauthorized'
  every(POLL_MS.lending, () => { if (live()) void actions.refreshLending(true) })
  every(POLL_MS.status, () => { if (live()) void actions.refreshStatus() })
  every(POLL_MS.peers, () => { if (live()) void actions.refreshPeers() })
  every(POLL_MS.tasks, () => { if (live()) void actions.refreshTasks() })
  every(POLL_MS.why, () => {
    const { selectedTaskId, tasks } = store.getState()
    if (!live() || selectedTaskId === null) return
    if (tasks.data?.get(selectedTaskId)?.status === 'queued') void actions.refreshWhy()
  })

  void actions.refreshAll()
  return () => { for (const stop of stops.reverse()) stop() }
}
