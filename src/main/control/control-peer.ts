// The control peer: an ordinary peer (no executor) that mirrors every task and node record it
// sees into a database. It is never on the critical path: tasks are claimed, run and committed
// without it, and after an outage (its own or the database's) it catches up by reconciling.
import type { ControlApi } from '../../shared/control-api.js'
import { taskSpecKey, type TaskSpec } from '../../shared/index.js'
import { createPeer, type Peer, type PeerConfig } from '../peer/index.js'
import type { OpenedRecord } from '../records/index.js'
import { createControlApi } from './control-api.js'
import { ControlStore } from './control-store.js'
import { unheardIndexedTasks } from './indexed-tasks.js'
import { openDb, type ControlDb } from './db.js'
import { Mirror } from './mirror.js'
import { ControlReports } from './reports.js'

export interface ControlPeerConfig extends Omit<PeerConfig, 'executor' | 'onRecord' | 'control'> {
  /** postgres://… for a PostgreSQL server; default: embedded PGlite in <dataDir>/control-db. */
  dbUrl?: string
  /** How often open tasks are re-read from the DHT. Default 30 s. */
  reconcileEveryMs?: number
  /** Records buffered while the database is away (beyond it a reconcile catches up). Default 50,000. */
  maxQueue?: number
}

export interface ControlPeer {
  peer: Peer
  store: ControlStore
  mirror: Mirror
  db: ControlDb
  /** The read API its API server serves at /api/control/* and /metrics. */
  api: ControlApi
  /** Re-reads open tasks from the DHT now. */
  reconcile: () => Promise<number>
  stop: () => Promise<void>
}

export async function startControlPeer (config: ControlPeerConfig): Promise<ControlPeer> {
  // Records that arrive before the database is open wait here (bounded like the mirror's queue).
  const early: OpenedRecord[] = []
  const sink: { mirror?: Mirror, api?: ControlApi } = {}
  // The peer first: it takes the data-dir lock, so a second control peer on the same dir (and
  // the same PGlite directory, which PGlite itself does not lock) refuses to start.
  const peer = await createPeer({
    ...config,
    executor: undefined,
    // The API server starts with the peer; its control routes answer 503 until the database is open.
    control: () => sink.api,
    onRecord: rec => { if (sink.mirror !== undefined) sink.mirror.onRecord(rec); else if (early.length < 50_000) early.push(rec) }
  })
  let db: ControlDb
  try {
    db = await openDb({ url: config.dbUrl, dataDir: config.dataDir })
  } catch (err) {
    await peer.stop()
    throw err
  }
  const store = new ControlStore(db)
  const readTask = async (taskId: string, withSpec: boolean): Promise<{ state?: OpenedRecord<'task-state'>, spec?: TaskSpec }> => {
    const [state, spec] = await Promise.all([
      peer.leases.readState(taskId).then(r => r.best),
      withSpec ? peer.records.get<'task-spec'>(taskSpecKey(taskId)).then(r => r.best?.value) : undefined
    ])
    return { state, spec }
  }
  const m = new Mirror({
    store,
    readTask,
    knownTaskIds: async () => {
      const book = (await peer.listTasks()).map(t => t.taskId)
      const unheard = await unheardIndexedTasks({
        known: async () => book,
        members: async () => (await peer.peers()).map(p => p.peerId),
        index: async key => (await peer.records.get<'node-tasks'>(key)).best?.value
      })
      return [...book, ...unheard]
    },
    maxQueue: config.maxQueue,
    onDbState: (up, error) => {
      console.error(up
        ? 'mcloud control: database back; writing buffered records and reconciling open tasks'
        : `mcloud control: database unavailable (${error ?? 'unknown'}); buffering and retrying`)
    }
  })
  sink.mirror = m
  const api = sink.api = createControlApi({ store, reports: new ControlReports(db), database: m, kind: db.kind })
  for (const rec of early.splice(0)) m.onRecord(rec)
  // What the peer already knows (its book) and what the database holds as open are re-read at start
  // and then periodically: a transition missed while this peer or the database was away is caught up.
  const reconcile = async (): Promise<number> => await m.reconcile()
  let reconciling: Promise<unknown> | undefined
  const pass = (): void => { reconciling ??= reconcile().catch(() => 0).finally(() => { reconciling = undefined }) }
  const timer = setInterval(pass, config.reconcileEveryMs ?? 30_000)
  const first = setTimeout(pass, 1000)

  const stop = async (): Promise<void> => {
    clearInterval(timer)
    clearTimeout(first)
    m.stop()
    await reconciling?.catch(() => {})
    await peer.stop()
    await db.close().catch(() => {})
  }
  return { peer, store, mirror: m, db, api, reconcile, stop }
}
