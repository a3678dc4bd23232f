// What this peer knows about tasks in the network: spec + best state, fed by gossip, DHT reads
// and submitter indexes. The scheduler picks candidates from here.
import { isTerminal, type TaskSpec, type TaskState } from '../../shared/index.js'

export interface KnownTask {
  taskId: string
  spec: TaskSpec | undefined
  state: TaskState
  cancelled: boolean
}

export class TaskBook {
  private readonly tasks = new Map<string, KnownTask>()
  /** The unfinished ones, in arrival order: the scheduler asks every 100 ms, and finished tasks pile up. */
  private readonly unfinished = new Set<string>()
  // The submitter gossips the spec just before the state; keep it until the state arrives.
  private readonly pendingSpecs = new Map<string, TaskSpec>()

  get (taskId: string): KnownTask | undefined { return this.tasks.get(taskId) }
  all (): IterableIterator<KnownTask> { return this.tasks.values() }
  get size (): number { return this.tasks.size }

  /** Keeps the newer state (the caller already ran the shared order); returns the entry. */
  setState (state: TaskState): KnownTask {
    const cur = this.tasks.get(state.taskId)
    if (cur === undefined) {
      const t: KnownTask = { taskId: state.taskId, spec: this.pendingSpecs.get(state.taskId), state, cancelled: false }
      this.pendingSpecs.delete(state.taskId)
      if (this.pendingSpecs.size > 10_000) this.pendingSpecs.clear()
      this.tasks.set(state.taskId, t)
      if (!isTerminal(state.status)) this.unfinished.add(state.taskId)
      return t
    }
    cur.state = state
    if (isTerminal(state.status)) this.unfinished.delete(state.taskId)
    else this.unfinished.add(state.taskId)
    return cur
  }

  setSpec (taskId: string, spec: TaskSpec): void {
    const cur = this.tasks.get(taskId)
    if (cur !== undefined) cur.spec = spec
    else this.pendingSpecs.set(taskId, spec)
  }

  markCancelled (taskId: string): void {
    const cur = this.tasks.get(taskId)
    if (cur !== undefined) cur.cancelled = true
  }

  /** Tasks not yet finished, oldest first. */
  open (): KnownTask[] {
    const out: KnownTask[] = []
    for (const id of this.unfinished) {
      const t = this.tasks.get(id)
      if (t !== undefined && !isTerminal(t.state.status)) out.push(t)
    }
    return out
  }
}
