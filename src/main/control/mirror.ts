// Mirrors what the peer sees into the database: every better record (spec, state, node meta) is
// queued and written in order; while the database is away the queue is bounded, and what falls
// out of it is caught up by reconciling open tasks against the DHT once the database is back.
import { isTerminal, type NodeMeta, type TaskSpec, type TaskState } from '../../shared/index.js'
import type { OpenedRecord } from '../records/index.js'
import type { ControlStore } from './control-store.js'

export interface MirrorInit {
  store: ControlStore
  /** Reads a task's selected state and spec from the DHT (for reconciling). */
  readTask: (taskId: string, withSpec: boolean) => Promise<{ state?: OpenedRecord<'task-state'>, spec?: TaskSpec }>
  /** Tasks the peer knows about (its task book), so a reconcile also covers tasks the database never saw. */
  knownTaskIds: () => Promise<string[]>
  /** Records waiting while the database is away; beyond it the oldest go (reconciling recovers them). Default 50,000. */
  maxQueue?: number
  /** Told when the database goes away or comes back. */
  onDbState?: (up: boolean, error?: string) => void
}

type Item = { kind: 'spec', taskId: string, spec: TaskSpec } | { kind: 'state', rec: OpenedRecord<'task-state'>, at: number } | { kind: 'meta', rec: OpenedRecord<'node-meta'>, at: number }

const RETRY_MS = 2000
const RECONCILE_CONCURRENCY = 32
const FOLLOW_UP_MS = 3000
const MAX_FOLLOW_UPS = 20
/** Reads of a missing spec or state (FOLLOW_UP_MS apart: a minute) before leaving it to the next reconcile. */
const MAX_SPEC_READS = 20
/** How often open tasks are checked for silence, and how many silent ones are read at once. */
const SILENCE_CHECK_MS = 1000
const SILENCE_READS = 16
/** A silent task is read after 1.5 ttl (3+ heartbeats missed), then ever more rarely while nothing changes (at most every 2^6 × 1.5 ttl). */
const SILENCE_FACTOR = 1.5
const MAX_SILENCE_DOUBLINGS = 6

/** What the mirror last heard of an open task, to notice when the gossip went quiet on it. */
interface Heard { epoch: number, seq: number, ttlMs: number, due: number, quietReads: number }

/** Whether state `a` comes after what was heard as `b` (a later epoch, or a later seq in it). */
const newer = (a: { epoch: number, seq: number }, b: { epoch: number, seq: number }): boolean => a.epoch > b.epoch || (a.epoch === b.epoch && a.seq > b.seq)

export class Mirror {
  private queue: Item[] = []
  private draining = false
  private dbUp = true
  /** Records were dropped or the database was away: a reconcile must follow. */
  private gap = false
  /**
   * Set at start and when the database comes back: until a pass finds nothing to change, passes
   * follow each other every FOLLOW_UP_MS. Just after a start the routing table is still filling,
   * so a first read may reach a replica with an older copy (measured: 5 of 50 rows left 'queued'
   * after the first pass of a restarted control peer while the tasks had succeeded).
   */
  private catchingUp = true
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private stopped = false
  private readonly maxQueue: number
  /** Tasks whose spec is in the database; a state of any other task makes us fetch its spec. */
  private readonly specs = new Set<string>()
  /** Tasks with a state in the database; a spec of any other task makes us read its state. */
  private readonly states = new Set<string>()
  /** Reads of a missing spec or state going on ("spec <id>" / "state <id>"). */
  private readonly fetching = new Set<string>()
  written = 0
  /** Tasks the last reconcile could not read from the DHT (no peer answered yet). */
  unread = 0
  private reconciling: Promise<number> | undefined
  private followUpTimer: ReturnType<typeof setTimeout> | undefined
  private followUps = 0
  dropped = 0
  /** When the last reconcile finished (this peer's clock, ms); null before the first. */
  lastReconcileAt: number | null = null
  /** Open tasks and when to read them again if no record comes (see `checkSilence`). */
  private readonly heard = new Map<string, Heard>()
  private silenceTimer: ReturnType<typeof setInterval> | undefined
  private silentInFlight = 0
  /** Reads made because a task went quiet that found a record this peer had missed. */
  silentRepairs = 0

  constructor (private readonly c: MirrorInit) {
    this.maxQueue = c.maxQueue ?? 50_000
  }

  get databaseUp (): boolean { return this.dbUp }
  get queued (): number { return this.queue.length }

  /** Takes a record the peer now holds as the best for its key. */
  onRecord (rec: OpenedRecord): void {
    const kind = rec.parsed.kind
    if (kind === 'task-spec') this.push({ kind: 'spec', taskId: rec.parsed.id, spec: rec.value as TaskSpec })
    else if (kind === 'task-state') this.push({ kind: 'state', rec: rec as OpenedRecord<'task-state'>, at: Date.now() })
    else if (kind === 'node-meta') this.push({ kind: 'meta', rec: rec as OpenedRecord<'node-meta'>, at: Date.now() })
  }

  /**
   * Re-reads every open task (and every task the peer knows) from the DHT and writes what it finds;
   * returns how many rows moved. Reads run RECONCILE_CONCURRENCY at a time: one DHT read waits for
   * its slowest of 5 replicas (~1.1 s each on the loaded bench machine), and a restarted control
   * peer must not need a minute to catch up on 50 open tasks (bench spof, agreement after the API
   * answered: 41 s one by one, 15 s with 8 at once, 10 s with 32). Tasks that
   * could not be read (no replica answered yet) are tried again FOLLOW_UP_MS later, a few times,
   * rather than only at the next periodic pass. A call while one runs joins it.
   */
  async reconcile (): Promise<number> {
    this.reconciling ??= this.reconcileOnce().finally(() => { this.reconciling = undefined; this.scheduleFollowUp() })
    return await this.reconciling
  }

  private async reconcileOnce (): Promise<number> {
    this.gap = true
    const open = await this.c.store.openTasks()
    // The database decides which specs are written: a row without one gets its spec read again.
    for (const t of open) if (t.hasSpec) this.specs.add(t.id); else this.specs.delete(t.id)
    const ids = [...new Set([...open.map(t => t.id), ...await this.c.knownTaskIds()])]
    let n = 0
    let unread = 0
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < ids.length && !this.stopped) {
        const taskId = ids[next++]!
        const withSpec = !this.specs.has(taskId)
        const { state, spec } = await this.c.readTask(taskId, withSpec).catch(() => ({ state: undefined, spec: undefined }))
        if (spec !== undefined) { await this.c.store.applySpec(taskId, spec); this.specs.add(taskId) }
        // A spec no replica gave is read again in the next pass: a finished task brings no more
        // records that would fetch it, and its row would keep no image for good.
        if (state === undefined || (withSpec && spec === undefined)) unread++
        else if (await this.c.store.applyState(state.value as TaskState, state.sigHash, Date.now())) n++
        if (state !== undefined) { this.states.add(taskId); this.hear(state.value as TaskState) }
      }
    }
    await Promise.all(Array.from({ length: Math.min(RECONCILE_CONCURRENCY, ids.length) }, worker))
    this.unread = unread
    this.gap = unread > 0 || (this.catchingUp && n > 0)
    if (!this.gap) this.catchingUp = false
    this.lastReconcileAt = Date.now()
    return n
  }

  /** After a pass that left a gap (unread tasks, rows still moving while catching up, or it failed): another one soon, a bounded number of times. */
  private scheduleFollowUp (): void {
    clearTimeout(this.followUpTimer)
    if (!this.gap) { this.followUps = 0; return }
    if (this.stopped || !this.dbUp || this.followUps >= MAX_FOLLOW_UPS) return
    this.followUps++
    this.followUpTimer = setTimeout(() => { void this.reconcile().catch(() => {}) }, FOLLOW_UP_MS)
  }

  /** Waits until everything queued has been written (or the database is away). */
  async flush (): Promise<void> {
    while (this.queue.length > 0 && this.dbUp && !this.stopped) await new Promise(resolve => setTimeout(resolve, 20))
  }

  stop (): void {
    this.stopped = true
    clearInterval(this.silenceTimer)
    clearTimeout(this.retryTimer)
    clearTimeout(this.followUpTimer)
  }

  private push (item: Item): void {
    if (this.stopped) return
    this.queue.push(item)
    if (this.queue.length > this.maxQueue) {
      this.queue.shift()
      this.dropped++
      this.gap = true
    }
    void this.drain()
  }

  private async drain (): Promise<void> {
    if (this.draining || !this.dbUp) return
    this.draining = true
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const item = this.queue[0]!
        await this.write(item)
        this.queue.shift()
        this.written++
      }
    } catch (err) {
      this.dbUp = false
      this.gap = true
      this.c.onDbState?.(false, (err as Error).message)
      this.retryTimer = setTimeout(() => { void this.retry() }, RETRY_MS)
    } finally {
      this.draining = false
    }
  }

  private async retry (): Promise<void> {
    if (this.stopped) return
    try {
      await this.c.store.openTaskIds()
    } catch {
      this.retryTimer = setTimeout(() => { void this.retry() }, RETRY_MS)
      return
    }
    this.dbUp = true
    this.c.onDbState?.(true)
    await this.drain()
    this.catchingUp = true
    if (this.gap && this.dbUp) await this.reconcile().catch(() => {})
  }

  private async write (item: Item): Promise<void> {
    if (item.kind === 'spec') {
      await this.c.store.applySpec(item.taskId, item.spec)
      this.specs.add(item.taskId)
      // The other half missing too: a state gossiped before this peer listened (measured: a
      // finished task's row kept its image and no status, control-db-outage in CI).
      if (!this.states.has(item.taskId)) this.fetchMissing(item.taskId, 'state')
    } else if (item.kind === 'state') {
      await this.c.store.applyState(item.rec.value as TaskState, item.rec.sigHash, item.at)
      // The spec goes out once, by gossip, when the task is posted: a control peer that joined
      // later (or missed it) reads it from the DHT rather than keeping a row without image.
      const taskId = item.rec.parsed.id
      this.states.add(taskId)
      this.hear(item.rec.value as TaskState)
      if (!this.specs.has(taskId)) this.fetchMissing(taskId, 'spec')
    } else {
      await this.c.store.applyNodeMeta(item.rec.value as NodeMeta, item.rec.sigHash, item.at)
    }
  }

  /** Notes the latest state of a task: an open one is watched for silence, a finished one no more. */
  private hear (s: TaskState): void {
    if (isTerminal(s.status)) { this.heard.delete(s.taskId); return }
    const last = this.heard.get(s.taskId)
    // The same record again (a reconcile re-reads it) is no news: the silence's back-off stands.
    if (last !== undefined && !newer(s, last)) return
    this.heard.set(s.taskId, { epoch: s.epoch, seq: s.seq, ttlMs: s.ttlMs, due: Date.now() + s.ttlMs * SILENCE_FACTOR, quietReads: 0 })
    if (this.silenceTimer === undefined && !this.stopped) {
      this.silenceTimer = setInterval(() => { this.checkSilence() }, SILENCE_CHECK_MS)
      this.silenceTimer.unref?.()
    }
  }

  /**
   * Reads open tasks nothing was heard of for 1.5 ttl. A holder heartbeats every ttl/3 and every
   * transition is gossiped, so that silence means this peer missed messages (measured: a control
   * peer that had just joined kept a task 'leased' while it had succeeded, its gossip mesh not yet
   * formed), or the holder died and the re-lease went unheard too. Without this the row waited for
   * the next periodic reconcile. A read that finds nothing newer waits twice as long next time, so
   * tasks that stay queued for hours cost little.
   */
  private checkSilence (): void {
    if (this.stopped) return
    const now = Date.now()
    for (const [taskId, h] of this.heard) {
      if (this.silentInFlight >= SILENCE_READS) return
      const key = `silent ${taskId}`
      if (h.due > now || this.fetching.has(key)) continue
      this.fetching.add(key)
      this.silentInFlight++
      void this.c.readTask(taskId, false)
        .then(found => found.state, () => undefined)
        .then(found => {
          this.fetching.delete(key)
          this.silentInFlight--
          const cur = this.heard.get(taskId)
          if (cur === undefined) return // finished meanwhile
          const v = found?.value as TaskState | undefined
          if (found !== undefined && v !== undefined && newer(v, cur)) {
            this.silentRepairs++
            this.push({ kind: 'state', rec: found, at: Date.now() })
          } else {
            cur.quietReads++
            cur.due = Date.now() + cur.ttlMs * SILENCE_FACTOR * 2 ** Math.min(cur.quietReads, MAX_SILENCE_DOUBLINGS)
          }
        })
    }
  }

  /**
   * Reads a spec the gossip did not bring. A read can find nothing while this peer is new (its
   * routing still filling) and a finished task sends no further state to ask again, so a miss is
   * retried FOLLOW_UP_MS later, a few times (measured: a control peer started just before a run
   * kept a finished task's row without its image until the next periodic reconcile).
   */
  private fetchMissing (taskId: string, what: 'spec' | 'state', attempt = 1): void {
    const have = what === 'spec' ? this.specs : this.states
    const key = `${what} ${taskId}`
    if (this.stopped || have.has(taskId) || this.fetching.has(key) || this.fetching.size > 64) return
    this.fetching.add(key)
    void this.c.readTask(taskId, what === 'spec')
      .then(found => found, () => ({ state: undefined, spec: undefined }))
      .then(({ state, spec }) => {
        this.fetching.delete(key)
        if (what === 'spec' && spec !== undefined) this.push({ kind: 'spec', taskId, spec })
        else if (what === 'state' && state !== undefined) this.push({ kind: 'state', rec: state, at: Date.now() })
        else if (attempt < MAX_SPEC_READS) setTimeout(() => { this.fetchMissing(taskId, what, attempt + 1) }, FOLLOW_UP_MS).unref?.()
      })
  }
}
