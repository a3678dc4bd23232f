// Task inputs and outputs through the content store (issue 8), as this peer uses them:
// - submitting: the files named by `inputPaths` are added here and this peer seeds them;
// - providing: a task's inputs are fetched before its container starts (from the submitter or any
//   peer that fetched them before) and its /output is added here, its CID going into the result;
// - my tasks' outputs are fetched into <data dir>/outputs/<task id> as soon as they finish, and on
//   demand into any folder (downloadOutputs).
// Content is kept while a task needs it, then for the store's retention time (GC).
import { existsSync } from 'node:fs'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { basename, isAbsolute, join, resolve } from 'node:path'
import type { DownloadOutputsResponse, TaskInput, TaskSpec, TaskView } from '../../shared/index.js'
import { downloadOutputsRequestSchema, inputBytes, isTerminal, taskIdString, taskInputsSchema } from '../../shared/index.js'
import type { ContentStore, TransferProgress } from '../data/index.js'
import { isRunEnd, type TaskDataHooks } from '../scheduler/index.js'
import type { PeerBus } from './bus.js'
import { ApiError } from './errors.js'

export interface TaskDataInit {
  /** Opens the content store; called once, on first use (a peer that never touches task data pays nothing for it). */
  store: () => Promise<ContentStore>
  /** The store's folder: when it exists at start (content from an earlier run), the store opens then, to serve it. */
  contentDir?: string
  bus: PeerBus
  /** <data dir>/outputs: where my tasks' outputs are saved. */
  outputsRoot: string
  /** The owner's cap on one task's output, bytes (sharing settings); undefined: none but the volume's. */
  maxOutputBytes: () => number | undefined
  /** A fetch that gets no block for this long fails (a missing or unreachable input). */
  stallMs?: number
  /** The view of a task, to download its outputs (refreshing it from the DHT if needed). */
  task: (taskId: string) => Promise<TaskView | undefined>
  log?: (msg: string) => void
}

/** Progress events at most this often per transfer: enough for a live bar, not a flood. */
const PROGRESS_EVERY_MS = 250

export class TaskData {
  private readonly saved = new Set<string>()
  private readonly downloads = new Map<string, Promise<DownloadOutputsResponse>>()
  /** My finished tasks whose inputs were released already (state events repeat). */
  private readonly finished = new Set<string>()
  /** Inputs held per task run here, released when the run ends. */
  private readonly held = new Map<string, string[]>()

  private opened: Promise<ContentStore> | undefined
  private off: (() => void) | undefined

  constructor (private readonly c: TaskDataInit) {}

  /**
   * Learns which tasks already have their outputs saved (from an earlier run), opens the store if
   * it holds content, and follows my tasks' ends and the runs here. Call after the node started.
   */
  async start (): Promise<void> {
    await mkdir(this.c.outputsRoot, { recursive: true })
    for (const name of await readdir(this.c.outputsRoot)) if (/^[0-9a-f]{64}$/.test(name)) this.saved.add(name)
    if (this.c.contentDir !== undefined && existsSync(this.c.contentDir)) await this.store()
    this.off = this.c.bus.on(e => {
      if (e.type === 'task:state' && e.task.mine) this.onMyTaskState(e.task)
      else if (isRunEnd(e)) this.runEnded(e.taskId)
    })
  }

  async stop (): Promise<void> {
    this.off?.()
    await (await this.opened?.catch(() => undefined))?.stop()
  }

  /** The store, opened once; a failed open is tried again at the next use. */
  private async store (): Promise<ContentStore> {
    return await (this.opened ??= this.c.store().catch(err => { this.opened = undefined; throw err }))
  }

  outputsDir (taskId: string): string | null {
    return this.saved.has(taskId) ? join(this.c.outputsRoot, taskId) : null
  }

  /** Adds the files or folders at `paths` (absolute, on this machine) as a task's inputs. */
  async addInputs (paths: string[]): Promise<TaskInput[]> {
    const inputs: TaskInput[] = []
    for (const [i, path] of paths.entries()) {
      const field = `inputPaths.${i}`
      if (!isAbsolute(path)) throw new ApiError('ValidationError', `${field}: "${path}" is not an absolute path`, field)
      const info = await stat(path).catch(() => undefined)
      if (info === undefined) throw new ApiError('ValidationError', `${field}: ${path} does not exist`, field)
      if (!info.isFile() && !info.isDirectory()) throw new ApiError('ValidationError', `${field}: ${path} is neither a file nor a folder`, field)
      const name = basename(resolve(path))
      if (inputs.some(x => x.name === name)) throw new ApiError('ValidationError', `${field}: a second input named "${name}" (each is /input/<name>)`, field)
      try {
        const store = await this.store()
        // kept (not released) until the task ends: see onMyTaskState
        const added = await store.addPath(path)
        inputs.push({ name, cid: added.cid, bytes: added.bytes })
      } catch (err) {
        throw new ApiError('ValidationError', `${field}: cannot read ${path}: ${(err as Error).message}`, field)
      }
    }
    const checked = taskInputsSchema.safeParse(inputs)
    if (!checked.success) throw new ApiError('ValidationError', `inputPaths: ${checked.error.issues[0]?.message ?? 'invalid'}`, 'inputPaths')
    return inputs
  }

  /** My task reached its end: its inputs may go after the retention time; its outputs come here. */
  onMyTaskState (view: TaskView): void {
    if (!isTerminal(view.status) || this.finished.has(view.taskId)) return
    this.finished.add(view.taskId)
    this.releaseLater((view.inputs ?? []).map(i => i.cid))
    if (view.resultCid !== null && !this.saved.has(view.taskId)) {
      void this.downloadOutputs(view.taskId).catch(err => { this.c.log?.(`outputs of task ${view.taskId.slice(0, 12)} not fetched: ${(err as Error).message}`) })
    }
  }

  /** downloadOutputs as the API calls it: the task id and the request checked, each error naming its field. */
  async downloadRequest (taskId: unknown, request: unknown): Promise<DownloadOutputsResponse> {
    const id = taskIdString.safeParse(taskId)
    if (!id.success) throw new ApiError('ValidationError', `taskId: ${id.error.issues[0]?.message ?? 'invalid'}`, 'taskId')
    const req = downloadOutputsRequestSchema.safeParse(request ?? {})
    if (!req.success) {
      const field = req.error.issues[0]?.path.join('.') || 'request'
      throw new ApiError('ValidationError', `${field}: ${req.error.issues[0]?.message ?? 'invalid'}`, field)
    }
    return await this.downloadOutputs(id.data, req.data.dir)
  }

  /** Fetches a finished task's outputs into `dir`, or into <data dir>/outputs/<task id>. */
  async downloadOutputs (taskId: string, dir?: string): Promise<DownloadOutputsResponse> {
    if (dir !== undefined && !isAbsolute(dir)) throw new ApiError('ValidationError', `dir: "${dir}" is not an absolute path`, 'dir')
    const key = `${taskId}\n${dir ?? ''}`
    const running = this.downloads.get(key)
    if (running !== undefined) return await running
    const p = this.download(taskId, dir).finally(() => { this.downloads.delete(key) })
    this.downloads.set(key, p)
    return await p
  }

  private async download (taskId: string, dir: string | undefined): Promise<DownloadOutputsResponse> {
    const view = await this.c.task(taskId)
    if (view === undefined) throw new ApiError('NotFoundError', `no task ${taskId}`)
    if (!isTerminal(view.status)) throw new ApiError('ConflictError', `task ${taskId.slice(0, 12)} has not finished (${view.status})`)
    const cid = view.resultCid
    if (cid === null) throw new ApiError('NotFoundError', `task ${taskId.slice(0, 12)} left no outputs (its /output was empty)`)
    const progress = this.progress(taskId, 'outputs')
    try {
      const store = await this.store()
      const hintPeers = view.holder === null ? [] : [view.holder]
      await store.fetch(cid, { stallMs: this.c.stallMs, hintPeers, onProgress: progress.report })
      // into a sibling folder first: a folder that exists is a complete download
      const target = dir ?? join(this.c.outputsRoot, taskId)
      const partial = `${target}.partial-${process.pid}`
      await rm(partial, { recursive: true, force: true })
      await mkdir(partial, { recursive: true })
      const { bytes } = await store.exportTo(cid, partial, { name: null })
      if (dir === undefined) {
        await rm(target, { recursive: true, force: true })
        await rename(partial, target)
      } else {
        // a folder of the user's: the outputs go in beside what is there
        await mkdir(target, { recursive: true })
        for (const entry of await readdir(partial)) {
          await rm(join(target, entry), { recursive: true, force: true })
          await rename(join(partial, entry), join(target, entry))
        }
        await rm(partial, { recursive: true, force: true })
      }
      if (dir === undefined) this.saved.add(taskId)
      store.release(cid)
      progress.done()
      if (dir === undefined && view.mine) this.c.bus.emit({ type: 'task:state', task: { ...view, outputsDir: target } })
      return { taskId, cid, dir: target, bytes }
    } catch (err) {
      progress.done((err as Error).message)
      throw err instanceof ApiError ? err : new ApiError('ConflictError', `outputs of task ${taskId.slice(0, 12)} could not be fetched: ${(err as Error).message}`)
    }
  }

  /** The hooks the scheduler's runs use on this provider. */
  hooks (): TaskDataHooks {
    return {
      prepareInput: async (spec: TaskSpec, taskId: string, dir: string, signal: AbortSignal) => {
        const inputs = spec.inputs ?? []
        const store = await this.store()
        this.held.set(taskId, inputs.map(i => i.cid))
        for (const input of inputs) store.retain(input.cid)
        const total = inputBytes(inputs)
        const progress = this.progress(taskId, 'inputs')
        let before = 0
        try {
          for (const input of inputs) {
            // exactly the size the spec declares: a submitter cannot slip a bigger input past the owner's cap
            await store.fetch(input.cid, {
              signal, stallMs: this.c.stallMs, maxBytes: input.bytes, expectedBytes: input.bytes, hintPeers: [spec.submitter],
              onProgress: p => { progress.report({ bytes: before + p.bytes, total }) }
            }).catch(err => { throw new Error(`input "${input.name}" (${input.cid}): ${(err as Error).message}`) })
            await store.exportTo(input.cid, dir, { name: input.name, signal })
            before += input.bytes
          }
          progress.done()
        } catch (err) {
          progress.done((err as Error).message)
          throw err
        }
      },
      storeOutput: async (taskId: string, dir: string) => {
        const store = await this.store()
        const added = await store.addDirectoryContents(dir, { maxBytes: this.c.maxOutputBytes() })
        // kept for the retention time from now: the submitter fetches it soon after the result
        if (added !== null) store.release(added.cid)
        return added?.cid ?? null
      },
      maxOutputBytes: this.c.maxOutputBytes
    }
  }

  /** A run here ended (committed, handed back or fenced): its inputs may go after the retention time. */
  runEnded (taskId: string): void {
    const cids = this.held.get(taskId)
    if (cids === undefined) return
    this.held.delete(taskId)
    this.releaseLater(cids)
  }

  /** Lets `cids` go after the retention time (the store opened if need be; nothing to do if it cannot open). */
  private releaseLater (cids: string[]): void {
    if (cids.length === 0) return
    void this.store().then(store => { for (const cid of cids) store.release(cid) }).catch(() => {})
  }

  private progress (taskId: string, direction: 'inputs' | 'outputs'): { report: (p: TransferProgress) => void, done: (error?: string) => void } {
    let last = 0
    let latest: TransferProgress = { bytes: 0, total: null }
    // At most one event per PROGRESS_EVERY_MS, but the latest figure always follows: without the
    // trailing one, a fetch that stalls (a holder gone) showed the count from before its last burst.
    let trailing: NodeJS.Timeout | undefined
    let ended = false
    const emit = (): void => {
      last = Date.now()
      this.c.bus.emit({ type: 'transfer:progress', taskId, direction, bytes: latest.bytes, total: latest.total, done: false })
    }
    return {
      report: p => {
        latest = p
        if (ended || trailing !== undefined) return
        const wait = last + PROGRESS_EVERY_MS - Date.now()
        if (wait <= 0) { emit(); return }
        trailing = setTimeout(() => { trailing = undefined; if (!ended) emit() }, wait)
      },
      done: error => {
        ended = true
        clearTimeout(trailing)
        this.c.bus.emit({ type: 'transfer:progress', taskId, direction, bytes: latest.bytes, total: latest.total, done: true, ...(error !== undefined ? { error } : {}) })
      }
    }
  }
}
