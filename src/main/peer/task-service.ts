// The consumer side of a peer plus the glue from records to the scheduler: submit, cancel, the
// submitter's task index, and the reaction to every new record (gossip or DHT read).
import { randomBytes } from 'node:crypto'
import {
  deriveTaskId, encodeEnvelope, encodePayload, isTerminal, MAX_RECORD_BYTES, nodeTasksKey, PROTOCOL_VERSION, sha256Hex, submitTaskRequestSchema,
  taskCancelKey, taskSpecKey, taskStateKey, TASK_INDEX_MAX_OPEN, TASK_INDEX_MAX_RECENT,
  type NodeTasks, type SubmitTaskRequest, type TaskInput, type TaskSpec, type TaskState, type TaskView, type CancelTaskResponse
} from '../../shared/index.js'
import type { LeaseEngine } from '../lease/index.js'
import type { OpenedRecord, RecordStore } from '../records/index.js'
import type { Scheduler, TaskBook } from '../scheduler/index.js'
import type { PeerBus } from './bus.js'
import { SUBMIT_CONCURRENCY, TASK_POST_BURST, TASK_POST_PER_MINUTE, TASK_REPOST_QUIET_LEASES } from './constants.js'
import { ApiError } from './errors.js'
import { readOwnIndex, writeOwnIndex } from './own-index-file.js'
import { Slots } from './slots.js'
import { TokenBuckets } from './token-bucket.js'

export interface TaskServiceComponents {
  records: RecordStore
  leases: LeaseEngine
  book: TaskBook
  scheduler: Scheduler
  bus: PeerBus
  peerId: string
  name: string
  announce: (bytes: Uint8Array) => void
  /** Adds local files or folders as task inputs (task-data.ts); throws ApiError naming `inputPaths.N`. */
  addInputs?: (paths: string[]) => Promise<TaskInput[]>
  /** Where my outputs of a task were saved, if they were. */
  outputsDir?: (taskId: string) => string | null
  /** One of my tasks is running on another peer (to follow its output). */
  onRemoteRunning?: (taskId: string, holder: string, epoch: number) => void
}

export interface TaskServiceInit {
  /** Tasks submit() accepts in one burst. Default TASK_POST_BURST (600). */
  postBurst?: number
  /** Tasks submit() accepts per minute once the burst is spent. Default TASK_POST_PER_MINUTE (300). */
  postPerMinute?: number
  /** Where my own task index is also saved (own-index-file.ts). Default: nowhere, the DHT only. */
  indexFile?: string
  /** Reports a saved index that cannot be read or written. */
  warn?: (msg: string) => void
}

/** Reads of a saved task that find nothing before it is dropped from my list. */
const SAVED_TASK_MAX_MISSES = 5

/** Bytes of an Ed25519 signature: what a spec's envelope adds to its payload besides the key and signer. */
const SIG_BYTES = 64

export class TaskService {
  private readonly mine = new Set<string>()
  /** Wall-clock time of the last state change seen per task (only to pace re-reads). */
  private readonly seenAt = new Map<string, number>()
  private indexTimer: ReturnType<typeof setTimeout> | undefined
  private readonly recent: string[] = []
  // From the clock, so an index written after a restart outranks the one written before it.
  private indexSeq = 0
  private recovered = false
  /** Reads that found nothing, per task of my saved index (notFound). */
  private readonly misses = new Map<string, number>()
  private readonly posting: TokenBuckets
  private readonly submitting = new Slots(SUBMIT_CONCURRENCY)
  /** My tasks whose first post (spec, then state) is being written now. */
  private readonly firstPosts = new Set<string>()
  private readonly postLimit: string
  private readonly indexFile: string | undefined
  private readonly warn: (msg: string) => void

  constructor (private readonly c: TaskServiceComponents, init: TaskServiceInit = {}) {
    this.indexFile = init.indexFile
    this.warn = init.warn ?? (() => {})
    const burst = init.postBurst ?? TASK_POST_BURST
    const perMinute = init.postPerMinute ?? TASK_POST_PER_MINUTE
    this.posting = new TokenBuckets({ burst, perMinute })
    this.postLimit = `${burst} at once, then ${perMinute} per minute`
  }

  async submit (request: SubmitTaskRequest): Promise<{ taskId: string }> {
    const parsed = submitTaskRequestSchema.safeParse(request)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const field = issue?.path.join('.') ?? 'request'
      throw new ApiError('ValidationError', `${field}: ${issue?.message ?? 'invalid'}`, field)
    }
    const { inputPaths, ...fields } = parsed.data
    const inputs = inputPaths === undefined || inputPaths.length === 0 ? [] : await this.addInputs(inputPaths)
    const spec: TaskSpec = {
      v: PROTOCOL_VERSION, submitter: this.c.peerId, submitterName: this.c.name, ...fields,
      ...(inputs.length > 0 ? { inputs } : {}),
      createdAt: Date.now(), nonce: randomBytes(12).toString('hex')
    }
    const payload = encodePayload(spec)
    const specHash = sha256Hex(payload)
    const taskId = deriveTaskId(spec.submitter, specHash)
    // Every field within its limit can still make a spec too big for a record (a 4 KiB command
    // string times 256); every peer would refuse it, so refuse it here, before it is in the book.
    const size = encodeEnvelope({ v: PROTOCOL_VERSION, key: taskSpecKey(taskId), payload, signer: spec.submitter, sig: new Uint8Array(SIG_BYTES) }).byteLength
    if (size > MAX_RECORD_BYTES) {
      const field = JSON.stringify(spec.env).length > JSON.stringify(spec.command).length ? 'env' : 'command'
      throw new ApiError('ValidationError', `${field}: the task would be a ${size}-byte record, more than the ${MAX_RECORD_BYTES} bytes peers accept`, field)
    }
    if (!this.posting.take('self')) {
      const retryAfterMs = this.posting.retryAfterMs('self')
      throw Object.assign(new ApiError('TooManyRequestsError', `task posting limit reached (${this.postLimit}): try again in ${Math.ceil(retryAfterMs / 1000)} s`, 'rate'), { retryAfterMs })
    }
    const state: TaskState = {
      v: PROTOCOL_VERSION, taskId, submitter: spec.submitter, specHash, status: 'queued', epoch: 0, holder: null,
      seq: 0, attempts: 0, ttlMs: this.c.leases.ttlMs, exitCode: null, error: null, resultCid: null, updatedAt: Date.now()
    }
    // A burst of posts signs and writes a few at a time, so the API's other answers (status, the
    // task list, the UI) are not queued behind hundreds of DHT writes (bench flood).
    const release = await this.submitting.acquire()
    try {
      this.mine.add(taskId)
      // refreshMine must not re-post a task whose first post is still being written: its seq 1
      // would make this very put stale (lease-race test, a submit failing under load).
      this.firstPosts.add(taskId)
      this.seenAt.set(taskId, Date.now())
      this.c.book.setState(state)
      this.c.book.setSpec(taskId, spec)
      // Spec first: a provider that sees the state must be able to read the spec.
      await this.c.records.put(taskSpecKey(taskId), spec, { announce: this.c.announce })
      await this.c.records.put(taskStateKey(taskId), state, { announce: this.c.announce })
    } finally {
      this.firstPosts.delete(taskId)
      release()
    }
    this.scheduleIndex()
    this.emitState(state)
    this.c.scheduler.tick()
    return { taskId }
  }

  private async addInputs (paths: string[]): Promise<TaskInput[]> {
    if (this.c.addInputs === undefined) throw new ApiError('ValidationError', 'inputPaths: this peer has no content store for inputs', 'inputPaths')
    return await this.c.addInputs(paths)
  }

  async cancel (taskId: string): Promise<CancelTaskResponse> {
    const known = await this.refresh(taskId)
    if (known === undefined) throw new ApiError('NotFoundError', `no task ${taskId}`)
    if (known.submitter !== this.c.peerId) throw new ApiError('ConflictError', 'only the submitter may cancel a task')
    if (isTerminal(known.status)) return { taskId, status: known.status }
    await this.c.records.put(taskCancelKey(taskId), {
      v: PROTOCOL_VERSION, taskId, submitter: known.submitter, specHash: known.specHash, reason: 'cancelled by submitter', at: Date.now()
    }, { announce: this.c.announce })
    this.c.book.markCancelled(taskId)
    this.c.scheduler.onCancel(taskId)
    // Nobody has claimed it yet: the submitter may finish it itself at epoch 0.
    if (known.epoch === 0 && known.status === 'queued') {
      await this.c.records.put(taskStateKey(taskId), { ...known, status: 'cancelled', seq: known.seq + 1, updatedAt: Date.now() }, { announce: this.c.announce })
      return { taskId, status: 'cancelled' }
    }
    return { taskId, status: known.status }
  }

  /** Reacts to a record that became the best this peer knows (from gossip, a read or a put). */
  onRecord (rec: OpenedRecord): void {
    switch (rec.parsed.kind) {
      case 'task-state': {
        const state = rec.value as TaskState
        const prev = this.c.book.get(state.taskId)?.state
        this.c.book.setState(state)
        this.seenAt.set(state.taskId, Date.now())
        this.c.leases.watcher.observe(state)
        this.c.scheduler.onState(state)
        if (prev?.status !== state.status || prev.epoch !== state.epoch) {
          this.emitState(state)
          // Follow while it runs; after it ends, fetch once more in case following never connected.
          if ((state.status === 'running' || isTerminal(state.status)) && state.holder !== null && this.mine.has(state.taskId)) this.c.onRemoteRunning?.(state.taskId, state.holder, state.epoch)
        }
        if (this.mine.has(state.taskId) && isTerminal(state.status) && !this.recent.includes(state.taskId)) this.scheduleIndex()
        if (!isTerminal(state.status)) this.c.scheduler.tick()
        return
      }
      case 'task-spec':
        this.c.book.setSpec(rec.parsed.id, rec.value as TaskSpec)
        return
      case 'task-cancel':
        this.c.book.markCancelled(rec.parsed.id)
        this.c.scheduler.onCancel(rec.parsed.id)
    }
  }

  /** Reads a task's state from the DHT quorum (and its spec when unknown). */
  async refresh (taskId: string): Promise<TaskState | undefined> {
    // Reads feed the task book through the record store's onBetter hook.
    await this.c.leases.readState(taskId)
    if (this.c.book.get(taskId)?.spec === undefined) await this.c.records.get<'task-spec'>(taskSpecKey(taskId))
    return this.c.book.get(taskId)?.state
  }

  /** Learns the open tasks another submitter announced in its index (late joiners). */
  async discoverFrom (peerId: string): Promise<number> {
    const { best } = await this.c.records.get<'node-tasks'>(nodeTasksKey(peerId))
    if (best === undefined) return 0
    let n = 0
    for (const taskId of best.value.open) {
      const known = this.c.book.get(taskId)
      if (known !== undefined && isTerminal(known.state.status)) continue
      await this.refresh(taskId).catch(() => undefined)
      n++
    }
    return n
  }

  /**
   * Reads up to `max` open tasks of `peerId` unknown here from its index: the catch-up of tasks
   * dropped by the posting limit (task-admission.ts). `complete` once none is left unknown and the
   * index lists every open task of that submitter (it holds at most TASK_INDEX_MAX_OPEN).
   */
  async catchUp (peerId: string, max: number): Promise<{ found: number, complete: boolean }> {
    const { best } = await this.c.records.get<'node-tasks'>(nodeTasksKey(peerId))
    if (best === undefined) return { found: 0, complete: false }
    const unknown = best.value.open.filter(id => this.c.book.get(id) === undefined)
    for (const taskId of unknown.slice(0, max)) await this.refresh(taskId).catch(() => undefined)
    return { found: Math.min(unknown.length, max), complete: unknown.length <= max && best.value.open.length < TASK_INDEX_MAX_OPEN }
  }

  /**
   * After a restart: my earlier tasks come back from my own index on the replicas (once per run),
   * so the list, their logs' owner and their results are not lost with the process.
   */
  async recoverMine (): Promise<number> {
    if (this.recovered) return 0
    this.recovered = true
    const { best } = await this.c.records.get<'node-tasks'>(nodeTasksKey(this.c.peerId))
    if (best !== undefined) this.adoptIndex(best.value)
    // Those of the saved index too (loadSavedIndex): the network's copy may be older than it.
    let n = 0
    for (const taskId of this.mine) {
      if (this.c.book.get(taskId) !== undefined) continue
      await this.refresh(taskId).catch(() => undefined)
      n++
    }
    return n
  }

  /**
   * My index as saved in the data dir before a restart: its tasks are mine again at once and are
   * read from the DHT once connected (recoverMine, refreshMine). Call before the peer connects.
   */
  async loadSavedIndex (): Promise<number> {
    if (this.indexFile === undefined) return 0
    const saved = await readOwnIndex(this.indexFile, this.warn)
    if (saved === undefined) return 0
    return this.adoptIndex(saved)
  }

  /** Takes the tasks of an earlier index of mine as mine; returns how many were new. */
  private adoptIndex (index: { seq: number, open: string[], recent: string[] }): number {
    this.indexSeq = Math.max(this.indexSeq, index.seq)
    let n = 0
    for (const taskId of [...index.open, ...index.recent]) {
      if (this.mine.has(taskId)) continue
      this.mine.add(taskId)
      if (index.recent.includes(taskId) && !this.recent.includes(taskId)) this.recent.push(taskId)
      n++
    }
    return n
  }

  /**
   * Re-reads my own unfinished tasks that have been quiet for two lease periods, so I learn
   * results even if gossip missed them; a few per round keeps the cost flat. One still unclaimed
   * after TASK_REPOST_QUIET_LEASES lease periods is posted again (see `repost`).
   */
  async refreshMine (): Promise<void> {
    const quietMs = 2 * this.c.leases.ttlMs
    let n = 0
    for (const taskId of this.mine) {
      const t = this.c.book.get(taskId)
      const quietFor = Date.now() - this.lastSeen(taskId)
      // one of a saved index that no read has found yet (recoverMine) is tried again here
      if (t === undefined) {
        if (this.recovered && quietFor >= quietMs) {
          this.seenAt.set(taskId, Date.now())
          const found = await this.refresh(taskId).catch(() => undefined)
          if (found === undefined) this.notFound(taskId)
          if (++n >= 5) return
        }
        continue
      }
      if (isTerminal(t.state.status) || quietFor < quietMs) continue
      const state = await this.refresh(taskId).catch(() => undefined)
      if (state !== undefined && quietFor >= TASK_REPOST_QUIET_LEASES * this.c.leases.ttlMs) await this.repost(state).catch(() => {})
      if (++n >= 5) return
    }
  }

  /**
   * Posts an unclaimed task's state again (seq + 1, so it is a new gossip message): if every
   * provider missed its announcement (lost under load, a provider restarting), nothing else would
   * tell them until some peer arrives and reads my index. Providers that knew it see a newer
   * queued state and nothing else changes; a claim (epoch 1) outranks it whatever its seq.
   */
  private async repost (state: TaskState): Promise<void> {
    if (state.status !== 'queued' || state.epoch !== 0 || this.firstPosts.has(state.taskId) || this.c.book.get(state.taskId)?.cancelled === true) return
    await this.c.records.put(taskStateKey(state.taskId), { ...state, seq: state.seq + 1, updatedAt: Date.now() }, { announce: this.c.announce })
  }

  /** A task of my saved index that no read finds (its records expired): given up after a few rounds, or it would take a re-read slot forever. */
  private notFound (taskId: string): void {
    const misses = (this.misses.get(taskId) ?? 0) + 1
    if (misses < SAVED_TASK_MAX_MISSES) { this.misses.set(taskId, misses); return }
    this.misses.delete(taskId)
    this.mine.delete(taskId)
    this.warn(`task ${taskId.slice(0, 12)} of my saved index was not found in ${misses} reads; dropped from my list`)
    this.scheduleIndex()
  }

  private lastSeen (taskId: string): number {
    return this.seenAt.get(taskId) ?? 0
  }

  view (taskId: string): TaskView | undefined {
    const t = this.c.book.get(taskId)
    if (t === undefined) return undefined
    const s = t.state
    return {
      taskId, status: s.status, epoch: s.epoch, holder: s.holder, attempts: s.attempts, exitCode: s.exitCode, error: s.error,
      submitter: s.submitter, submitterName: t.spec?.submitterName ?? null, image: t.spec?.image ?? null, command: t.spec?.command ?? null,
      cpu: t.spec?.cpu ?? null, memoryMb: t.spec?.memoryMb ?? null, timeoutSec: t.spec?.timeoutSec ?? null,
      mine: this.mine.has(taskId), runningHere: this.c.scheduler.isRunning(taskId) && !isTerminal(s.status),
      runningHereSince: isTerminal(s.status) ? null : this.c.scheduler.runningSince(taskId), createdAt: t.spec?.createdAt ?? null, updatedAt: s.updatedAt,
      inputs: t.spec === undefined ? null : t.spec.inputs ?? [], resultCid: s.resultCid, outputsDir: this.c.outputsDir?.(taskId) ?? null
    }
  }

  list (): TaskView[] {
    return [...this.c.book.all()].map(t => this.view(t.taskId)!).sort((a, b) => b.updatedAt - a.updatedAt)
  }

  private emitState (state: TaskState): void {
    const task = this.view(state.taskId)
    if (task !== undefined) this.c.bus.emit({ type: 'task:state', task })
  }

  /** Coalesces index writes: a burst of submits or results costs one DHT put. */
  private scheduleIndex (): void {
    if (this.indexTimer !== undefined) return
    this.indexTimer = setTimeout(() => {
      this.indexTimer = undefined
      void this.publishIndex()
    }, 200)
  }

  /** Saves an index write still waiting (scheduleIndex), so a submit just before the stop is not lost. */
  stop (): void {
    if (this.indexTimer !== undefined) this.saveIndex(this.nextIndex())
    clearTimeout(this.indexTimer)
    this.indexTimer = undefined
  }

  private saveIndex (index: { seq: number, open: string[], recent: string[] }): void {
    if (this.indexFile === undefined) return
    try {
      writeOwnIndex(this.indexFile, { seq: index.seq, open: index.open, recent: index.recent })
    } catch (err) {
      this.warn(`cannot save my task index to ${this.indexFile}: ${(err as Error).message}`)
    }
  }

  private nextIndex (): NodeTasks {
    const open: string[] = []
    for (const id of this.mine) {
      const t = this.c.book.get(id)
      if (t !== undefined && isTerminal(t.state.status)) {
        if (!this.recent.includes(id)) this.recent.push(id)
      } else open.push(id)
    }
    while (this.recent.length > TASK_INDEX_MAX_RECENT) this.recent.shift()
    this.indexSeq = Math.max(this.indexSeq + 1, Date.now())
    return { v: PROTOCOL_VERSION, peerId: this.c.peerId, seq: this.indexSeq, open: open.slice(-TASK_INDEX_MAX_OPEN), recent: [...this.recent] }
  }

  private async publishIndex (): Promise<void> {
    const index = this.nextIndex()
    this.saveIndex(index)
    await this.c.records.put(nodeTasksKey(this.c.peerId), index).catch(() => undefined)
  }
}
