// Mirrors what the peer sees into the database: every better record (spec, state, node meta) is
// queued and written in order; while the database is away the queue is bounded, and what falls
// out of it is caught up by reconciling open tasks against the DHT once the database is back.
import type { NodeMeta, TaskSpec, TaskState } from '../../shared/index.js'
import type { OpenedRecord } from '../records/index.js'
import type { ControlStore } from './control-store.js'

export interface MirrorInit {
  store: ControlStore
  /** Reads a task's selected state and spec from the DHT (for reconciling). */
  readTask: (taskId: string) => Promise<{ state?: OpenedRecord<'task-state'>, spec?: TaskSpec }>
  /** Tasks the peer knows about (its task book), so a reconcile also covers tasks the database never saw. */
  knownTaskIds: () => Promise<string[]>
  /** Records waiting while the database is away; beyond it the oldest go (reconciling recovers them). Default 50,000. */
  maxQueue?: number
  /** Told when the database goes away or comes back. */
  onDbState?: (up: boolean, error?: string) => void
}

type Item = { kind: 'spec', taskId: string, spec: TaskSpec } | { kind: 'state', rec: OpenedRecord<'task-state'>, at: number } | { kind: 'meta', rec: OpenedRecord<'node-meta'>, at: number }

const RETRY_MS = 2000

export class Mirror {
  private queue: Item[] = []
  private draining = false
  private dbUp = true
  /** Records were dropped or the database was away: a reconcile must follow. */
  private gap = false
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private stopped = false
  private readonly maxQueue: number
  /** Tasks whose spec is in the database; a state of any other task makes us fetch its spec. */
  private readonly specs = new Set<string>()
  private readonly fetchingSpecs = new Set<string>()
  written = 0
  dropped = 0
  /** When the last reconcile finished (this peer's clock, ms); null before the first. */
  lastReconcileAt: number | null = null

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

  /** Re-reads every open task (and every task the peer knows) from the DHT and writes what it finds. */
  async reconcile (): Promise<number> {
    const ids = new Set([...await this.c.store.openTaskIds(), ...await this.c.knownTaskIds()])
    let n = 0
    for (const taskId of ids) {
      const { state, spec } = await this.c.readTask(taskId).catch(() => ({ state: undefined, spec: undefined }))
      if (spec !== undefined) { await this.c.store.applySpec(taskId, spec); this.specs.add(taskId) }
      if (state !== undefined && await this.c.store.applyState(state.value as TaskState, state.sigHash, Date.now())) n++
    }
    this.gap = false
    this.lastReconcileAt = Date.now()
    return n
  }

  /** Waits until everything queued has been written (or the database is away). */
  async flush (): Promise<void> {
    while (this.queue.length > 0 && this.dbUp && !this.stopped) await new Promise(resolve => setTimeout(resolve, 20))
  }

  stop (): void {
    this.stopped = true
    clearTimeout(this.retryTimer)
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
    if (this.gap && this.dbUp) await this.reconcile().catch(() => { this.gap = true })
  }

  private async write (item: Item): Promise<void> {
    if (item.kind === 'spec') {
      await this.c.store.applySpec(item.taskId, item.spec)
      this.specs.add(item.taskId)
    } else if (item.kind === 'state') {
      await this.c.store.applyState(item.rec.value as TaskState, item.rec.sigHash, item.at)
      // The spec goes out once, by gossip, when the task is posted: a control peer that joined
      // later (or missed it) reads it from the DHT rather than keeping a row without image.
      const taskId = item.rec.parsed.id
      if (!this.specs.has(taskId)) this.fetchSpec(taskId)
    } else {
      await this.c.store.applyNodeMeta(item.rec.value as NodeMeta, item.rec.sigHash, item.at)
    }
  }

  private fetchSpec (taskId: string): void {
    if (this.fetchingSpecs.has(taskId) || this.fetchingSpecs.size > 64) return
    this.fetchingSpecs.add(taskId)
    void this.c.readTask(taskId)
      .then(({ spec }) => { if (spec !== undefined) this.push({ kind: 'spec', taskId, spec }) })
      .catch(() => {})
      .finally(() => { this.fetchingSpecs.delete(taskId) })
  }
}
