// The renderer's zustand store: state from store/state.ts plus the actions that call the peer.
// Views read narrow selectors; only the actions and store/sync.ts write.
import { createStore, type StoreApi } from 'zustand/vanilla'
import type { ApiEvent, LogLine, OrgKeyView, PeerConfigUpdate, PeerConfigView, SubmitTaskRequest } from '../../shared/api.js'
import type { LendingView, SharingSettingMode, SharingUpdate } from '../../shared/sharing.js'
import { isUnreachable, type Transport } from '../transport/index.js'
import { applyEvent, namelessHolder } from './events.js'
import { pushSample, sampleOf } from './history.js'
import { appendLogLines, emptyLog, extendLog, logFromSnapshot } from './logs.js'
import { emptyResource, failed, loaded, startLoading, unreachable, type Resource } from './resource.js'
import { initialData, type AppData, type ViewTab } from './state.js'
import { shortTaskId, tasksFromList, trackHeldSince, upsertTask } from './tasks.js'
import { downloadFailed, downloadRequested, downloadSaved } from './transfers.js'

// Live log lines are applied at most this often: a task printing thousands of lines a second
// must cost one render per flush, not one per line.
const LOG_FLUSH_MS = 100
/** At most one peers refresh this often for holders without a name (a burst of task events asks once). */
const PEER_NAME_REFRESH_MS = 1000

export interface AppActions {
  selectTab: (tab: ViewTab) => void
  /** Selects a task (null: none) and starts fetching and following its log. */
  selectTask: (taskId: string | null) => void
  refreshStatus: () => Promise<void>
  /** Fetches the lending view; `sample` adds it to the chart history. */
  refreshLending: (sample?: boolean) => Promise<void>
  refreshTasks: () => Promise<void>
  refreshPeers: () => Promise<void>
  refreshConfig: () => Promise<void>
  refreshWhy: () => Promise<void>
  /** Re-reads the selected task's log from the peer. */
  refreshLog: () => Promise<void>
  refreshAll: () => Promise<void>
  /** Throws ApiError (ValidationError with `field`) for the form to show. */
  submitTask: (request: SubmitTaskRequest) => Promise<string>
  cancelTask: (taskId: string) => Promise<void>
  handBackTask: (taskId: string) => Promise<void>
  /** Fetches a task's outputs into the peer's default folder; the outcome lands in `outputs`. */
  downloadOutputs: (taskId: string) => Promise<void>
  setSharingMode: (mode: SharingSettingMode) => Promise<void>
  /** Pauses lending for `ms` (null: until resumed). */
  snooze: (ms: number | null) => Promise<void>
  resume: () => Promise<void>
  stopNow: () => Promise<void>
  /** Throws ApiError for the settings form to show. */
  updateSharing: (update: SharingUpdate) => Promise<LendingView>
  updateConfig: (update: PeerConfigUpdate) => Promise<PeerConfigView>
  exportOrgKey: () => Promise<OrgKeyView>
  importOrgKey: (key: string) => Promise<OrgKeyView>
  generateOrgKey: () => Promise<OrgKeyView>
  receive: (event: ApiEvent) => void
  dismissNotice: () => void
  retryConnection: () => void
}

export interface AppState extends AppData { actions: AppActions }
export type AppStore = StoreApi<AppState>

const message = (err: unknown): string => err instanceof Error ? err.message : String(err)

export function createAppStore (api: Transport): AppStore {
  return createStore<AppState>()((set, get) => {
    // Log lines waiting for the next flush, and those that came while a snapshot was loading.
    let pendingLines: LogLine[] = []
    let flushTimer: ReturnType<typeof setTimeout> | undefined
    // Bumped on every (re)load of a log, so a slow answer for an older selection is dropped.
    let logGeneration = 0
    let peersAskedAt = 0

    /** Runs a fetch into one resource; unreachable peers keep the last data (the banner shows). */
    async function fetchInto<K extends 'status' | 'lending' | 'peers' | 'config' | 'why', T> (
      key: K, request: () => Promise<T>, onData?: (data: T) => Partial<AppData>
    ): Promise<void> {
      set({ [key]: startLoading(get()[key] as Resource<T>) } as Partial<AppState>)
      try {
        const data = await request()
        set({ [key]: loaded(data), ...onData?.(data) } as Partial<AppState>)
      } catch (err) {
        const r = get()[key] as Resource<T>
        set({ [key]: isUnreachable(err) ? unreachable(r) : failed(r, message(err)) } as Partial<AppState>)
      }
    }

    /** Runs an action the user asked for; its failure becomes the notice. */
    async function act (what: string, run: () => Promise<string | undefined>): Promise<void> {
      try {
        const done = await run()
        if (done !== undefined) set({ notice: { kind: 'info', text: done } })
      } catch (err) {
        set({ notice: { kind: 'error', text: isUnreachable(err) ? `${what}: cannot reach the peer` : `${what}: ${message(err)}` } })
      }
    }

    function flushLogs (): void {
      clearTimeout(flushTimer)
      flushTimer = undefined
      const log = get().log
      const lines = pendingLines
      if (log === null || log.loading) return
      pendingLines = []
      set({ log: appendLogLines(log, lines) })
    }

    async function loadLog (taskId: string): Promise<void> {
      const generation = ++logGeneration
      const previous = get().log
      // A re-read of the log on screen: keep the lines already received, the snapshot extends them.
      if (previous?.taskId === taskId && !previous.loading) flushLogs()
      pendingLines = []
      set({ log: previous?.taskId === taskId ? { ...previous, loading: true, error: undefined } : emptyLog(taskId) })
      try {
        const snapshot = await api.taskLogs(taskId)
        if (generation !== logGeneration) return
        const live = pendingLines
        pendingLines = []
        const held = get().log
        set({
          log: held !== null && held.taskId === taskId && held.count > 0
            ? extendLog(held, snapshot.lines, live, snapshot.complete)
            : logFromSnapshot(taskId, snapshot.lines, live, snapshot.complete)
        })
      } catch (err) {
        if (generation !== logGeneration) return
        const log = get().log ?? emptyLog(taskId)
        set({ log: { ...log, loading: false, error: isUnreachable(err) ? 'cannot reach the peer' : message(err) } })
      }
    }

    const actions: AppActions = {
      selectTab: (tab) => { set({ tab }) },
      selectTask: (taskId) => {
        if (taskId === get().selectedTaskId) return
        logGeneration++
        pendingLines = []
        set({ selectedTaskId: taskId, log: null, why: emptyResource() })
        if (taskId !== null) {
          void loadLog(taskId)
          const task = get().tasks.data?.get(taskId)
          if (task?.status === 'queued') void actions.refreshWhy()
        }
      },
      // A control peer opens on its Dashboard (first tab), unless the user already chose a view.
      refreshStatus: () => fetchInto('status', () => api.status(), (status) =>
        status.role === 'control' && get().status.data === undefined && get().tab === 'lending' ? { tab: 'dashboard' } : {}),
      refreshLending: (sample = false) => fetchInto('lending', () => api.sharing(), (lending) =>
        sample ? { history: pushSample(get().history, sampleOf(lending, Date.now())) } : {}),
      refreshTasks: async () => {
        set({ tasks: startLoading(get().tasks) })
        try {
          const list = await api.listTasks()
          const now = Date.now()
          const tasks = tasksFromList(list, get().tasks.data)
          let heldSince = get().heldSince
          for (const task of tasks.values()) heldSince = trackHeldSince(heldSince, task, now)
          set({ tasks: loaded(tasks), heldSince })
        } catch (err) {
          set({ tasks: isUnreachable(err) ? unreachable(get().tasks) : failed(get().tasks, message(err)) })
        }
      },
      refreshPeers: () => fetchInto('peers', () => api.peers()),
      refreshConfig: () => fetchInto('config', () => api.config()),
      refreshWhy: async () => {
        const taskId = get().selectedTaskId
        if (taskId === null) return
        await fetchInto('why', () => api.whyTask(taskId))
      },
      refreshLog: async () => {
        const taskId = get().selectedTaskId
        if (taskId !== null) await loadLog(taskId)
      },
      refreshAll: async () => {
        await Promise.all([
          actions.refreshStatus(), actions.refreshLending(true), actions.refreshTasks(), actions.refreshPeers(),
          actions.refreshConfig(), actions.refreshLog()
        ])
      },
      submitTask: async (request) => {
        const { taskId } = await api.submitTask(request)
        // The task:state event normally brings it; fetching it too covers a dropped event stream.
        api.getTask(taskId).then((task) => {
          const tasks = get().tasks
          if (tasks.data !== undefined) set({ tasks: { ...tasks, data: upsertTask(tasks.data, task) } })
        }, () => {})
        return taskId
      },
      cancelTask: (taskId) => act(`Cancel ${shortTaskId(taskId)}`, async () => {
        const res = await api.cancelTask(taskId)
        return `Task ${shortTaskId(taskId)} is ${res.status}`
      }),
      handBackTask: (taskId) => act(`Hand back ${shortTaskId(taskId)}`, async () => {
        const res = await api.handBackTask(taskId)
        return res.handedBack
          ? `Task ${shortTaskId(taskId)} handed back to other peers`
          : `Task ${shortTaskId(taskId)} was not handed back (it ended or was taken meanwhile)`
      }),
      downloadOutputs: async (taskId) => {
        if (get().outputs[taskId]?.active === true) return
        set({ outputs: downloadRequested(get().outputs, taskId) })
        try {
          set({ outputs: downloadSaved(get().outputs, await api.downloadOutputs(taskId)) })
        } catch (err) {
          set({ outputs: downloadFailed(get().outputs, taskId, isUnreachable(err) ? 'cannot reach the peer' : message(err)) })
        }
      },
      setSharingMode: (mode) => act('Sharing', async () => {
        // Choosing a mode ends a snooze: the owner said what they want now.
        set({ lending: loaded(await api.updateSharing({ mode, snooze: null })) })
        return undefined
      }),
      snooze: (ms) => act('Snooze', async () => {
        set({ lending: loaded(await api.updateSharing({ snooze: { until: ms === null ? null : Date.now() + ms } })) })
        return undefined
      }),
      resume: () => act('Resume', async () => {
        set({ lending: loaded(await api.updateSharing({ snooze: null })) })
        return undefined
      }),
      stopNow: () => act('Stop now', async () => {
        const { handedBack } = await api.stopNow()
        void actions.refreshLending()
        return `Sharing paused; ${handedBack.length} running task${handedBack.length === 1 ? '' : 's'} handed back`
      }),
      updateSharing: async (update) => {
        const lending = await api.updateSharing(update)
        set({ lending: loaded(lending) })
        return lending
      },
      updateConfig: async (update) => {
        const config = await api.updateConfig(update)
        set({ config: loaded(config) })
        return config
      },
      exportOrgKey: () => api.exportOrgKey(),
      importOrgKey: async (key) => {
        const view = await api.importOrgKey({ key })
        void actions.refreshConfig()
        return view
      },
      generateOrgKey: async () => {
        const view = await api.generateOrgKey()
        void actions.refreshConfig()
        return view
      },
      receive: (event) => {
        if (event.type === 'task:log') {
          const selected = get().selectedTaskId
          if (event.line.taskId !== selected) return
          pendingLines.push(event.line)
          flushTimer ??= setTimeout(flushLogs, LOG_FLUSH_MS)
          return
        }
        const change = applyEvent(get(), event, Date.now())
        if (change !== undefined) set(change)
        if (event.type === 'peer:connect' && get().peers.data?.some((p) => p.peerId === event.peerId) !== true) {
          void actions.refreshPeers()
        }
        // A task taken by a peer whose name this page has not got yet (it connected before its
        // meta arrived): ask now rather than show its id until the next poll.
        if (event.type === 'task:state' && namelessHolder(event.task.holder, get()) && Date.now() - peersAskedAt > PEER_NAME_REFRESH_MS) {
          peersAskedAt = Date.now()
          void actions.refreshPeers()
        }
      },
      dismissNotice: () => { set({ notice: null }) },
      retryConnection: () => {
        api.retryNow()
        void actions.refreshAll()
      }
    }

    return { ...initialData(api.link()), actions }
  })
}

