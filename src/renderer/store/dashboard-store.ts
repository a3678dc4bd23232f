// The control peer's dashboard: its own small zustand store (the peer views never need it), fed by
// polling CONTROL_ROUTES while the Dashboard is on screen and by the log relay of the selected task.
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { ControlJobDetail, ControlNodeView, ControlSummary, JobRow, LogStreamFrame } from '../../shared/control-api.js'
import type { TaskStatus } from '../../shared/schemas.js'
import { isTerminal } from '../../shared/task-state.js'
import { nodeName } from '../format/dashboard.js'
import { isUnreachable, type ControlReadApi, type Transport } from '../transport/index.js'
import { applyRelayFrames, relayConnection, relayReopened, startRelay, type RelayView } from './log-relay.js'
import { emptyResource, failed, loaded, startLoading, unreachable, type Resource } from './resource.js'

/** How often the figures are re-read while the Dashboard is visible. */
export const DASHBOARD_POLL_MS = 5000
// task:state events come in bursts (a task moves through several states in a second): one
// re-read of the list per burst is enough.
const EVENT_REFRESH_MS = 1000
// Relay frames are applied at most this often, like the peer views' live log.
const RELAY_FLUSH_MS = 100

export const JOB_LIMITS = [25, 100, 500, 1000] as const
export interface JobFilter { status: TaskStatus | 'all', limit: number }

export interface DashboardData {
  summary: Resource<ControlSummary>
  jobs: Resource<JobRow[]>
  nodes: Resource<ControlNodeView[]>
  filter: JobFilter
  selectedJobId: string | null
  detail: Resource<ControlJobDetail>
  /** The selected task's live log, while it is followed. */
  relay: RelayView | null
  /** When a refresh last got the summary, the tasks and the nodes (this page's clock). */
  updatedAt: number | null
}

export interface DashboardActions {
  refresh: () => Promise<void>
  refreshJobs: () => Promise<void>
  refreshDetail: () => Promise<void>
  setFilter: (change: Partial<JobFilter>) => void
  selectJob: (taskId: string | null) => void
  /** Refreshes now, then every 5 s while the page is visible and after task events; returns the stop. */
  startLive: () => () => void
  /** Follows a task's log through the relay; returns the stop. */
  followLog: (taskId: string) => () => void
}

export interface DashboardState extends DashboardData { actions: DashboardActions }
export type DashboardStore = StoreApi<DashboardState>

const message = (err: unknown): string => err instanceof Error ? err.message : String(err)

const initialDashboard = (): DashboardData => ({
  summary: emptyResource(),
  jobs: emptyResource(),
  nodes: emptyResource(),
  filter: { status: 'all', limit: 100 },
  selectedJobId: null,
  detail: emptyResource(),
  relay: null,
  updatedAt: null
})

const NO_CONTROL = 'this peer serves no dashboard (only a control peer in a browser does)'

export function createDashboardStore (api: Pick<Transport, 'control' | 'openLogStream' | 'subscribe'>): DashboardStore {
  return createStore<DashboardState>()((set, get) => {
    // Bumped per request, so an answer for an older filter or selection is dropped.
    let jobsGeneration = 0
    let detailGeneration = 0

    type Key = 'summary' | 'jobs' | 'nodes' | 'detail'
    /** One read into one resource; true when it got data. Unreachable keeps the last data (the banner shows). */
    async function read<T> (key: Key, request: (control: ControlReadApi) => Promise<T>, current: () => boolean = () => true): Promise<boolean> {
      set({ [key]: startLoading(get()[key] as Resource<T>) } as Partial<DashboardState>)
      try {
        if (api.control === undefined) throw new Error(NO_CONTROL)
        const data = await request(api.control)
        if (current()) set({ [key]: loaded(data) } as Partial<DashboardState>)
        return true
      } catch (err) {
        if (!current()) return false
        const r = get()[key] as Resource<T>
        set({ [key]: isUnreachable(err) ? unreachable(r) : failed(r, message(err)) } as Partial<DashboardState>)
        return false
      }
    }

    async function readJobs (): Promise<boolean> {
      const generation = ++jobsGeneration
      const { status, limit } = get().filter
      return await read('jobs', (c) => c.jobs(status === 'all' ? { limit } : { status, limit }), () => generation === jobsGeneration)
    }

    const actions: DashboardActions = {
      refresh: async () => {
        const [summary, jobs, nodes] = await Promise.all([
          read('summary', (c) => c.summary()), readJobs(), read('nodes', (c) => c.nodes()),
          // A finished task's detail no longer changes.
          detailIsOpen(get().detail.data) ? actions.refreshDetail() : undefined
        ])
        if (summary && jobs && nodes) set({ updatedAt: Date.now() })
      },
      refreshJobs: async () => { await readJobs() },
      refreshDetail: async () => {
        const taskId = get().selectedJobId
        if (taskId === null) return
        const generation = ++detailGeneration
        await read('detail', (c) => c.job(taskId), () => generation === detailGeneration && get().selectedJobId === taskId)
      },
      setFilter: (change) => {
        set({ filter: { ...get().filter, ...change } })
        void actions.refreshJobs()
      },
      selectJob: (taskId) => {
        if (taskId === get().selectedJobId) return
        detailGeneration++
        set({ selectedJobId: taskId, detail: emptyResource(), relay: null })
        if (taskId !== null) void actions.refreshDetail()
      },
      startLive: () => {
        const tick = (): void => {
          // A hidden page (another browser tab) needs no figures; it catches up when shown again.
          if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return
          void actions.refresh()
        }
        const timer = setInterval(tick, DASHBOARD_POLL_MS)
        let eventTimer: ReturnType<typeof setTimeout> | undefined
        const unsubscribe = api.subscribe((event) => {
          if (event.type !== 'task:state') return
          eventTimer ??= setTimeout(() => {
            eventTimer = undefined
            void Promise.all([read('summary', (c) => c.summary()), readJobs()])
          }, EVENT_REFRESH_MS)
        })
        const onVisible = (): void => { if (document.visibilityState === 'visible') void actions.refresh() }
        if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisible)
        void actions.refresh()
        return () => {
          clearInterval(timer)
          clearTimeout(eventTimer)
          unsubscribe()
          if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', onVisible)
        }
      },
      followLog: (taskId) => followLog(taskId)
    }

    function followLog (taskId: string): () => void {
      const relay = (): RelayView | null => { const r = get().relay; return r?.taskId === taskId ? r : null }
      const put = (next: RelayView): void => { if (get().selectedJobId === taskId) set({ relay: next }) }
      put(startRelay(taskId))
      if (api.openLogStream === undefined) {
        const r = relay()
        if (r !== null) put({ ...r, error: 'live logs need the browser page of a peer', connection: 'closed' })
        return () => {}
      }
      let pending: LogStreamFrame[] = []
      let flushTimer: ReturnType<typeof setTimeout> | undefined
      const flush = (): void => {
        flushTimer = undefined
        const r = relay()
        const frames = pending
        pending = []
        if (r === null) return
        const nodes = get().nodes.data
        put(applyRelayFrames(r, frames, (peerId) => nodeName(peerId, nodes), Date.now()))
        // A new holder or the end is also a new transition: show it in the detail now.
        if (frames.some((f) => f.type === 'holder' || f.type === 'end')) void actions.refreshDetail()
      }
      const handle = api.openLogStream(taskId, {
        onFrames: (frames) => {
          pending.push(...frames)
          flushTimer ??= setTimeout(flush, RELAY_FLUSH_MS)
        },
        onState: (state) => {
          // Lines already queued belong to the socket before this change; apply them first.
          if (pending.length > 0) { clearTimeout(flushTimer); flush() }
          const r = relay()
          if (r === null) return
          if (state.kind === 'open') put(state.reopened ? relayReopened(r) : relayConnection(r, 'open'))
          else put(relayConnection(r, state.kind))
        }
      })
      return () => {
        clearTimeout(flushTimer)
        pending = []
        handle.stop()
      }
    }

    return { ...initialDashboard(), actions }
  })
}

/** Whether a job's detail can still change (worth re-reading on each poll). */
export const detailIsOpen = (detail: ControlJobDetail | undefined): boolean =>
  detail === undefined || detail.job.status === null || !isTerminal(detail.job.status)
