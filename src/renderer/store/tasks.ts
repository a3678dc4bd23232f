// Pure updates of the task map, fed by listTasks() and task:state events.
import type { TaskView } from '../../shared/api.js'
import { isHeld } from '../../shared/task-state.js'

export type TaskMap = ReadonlyMap<string, TaskView>

/** A fresh list replaces the map; newer views already held (by updatedAt) survive a slower list. */
export function tasksFromList (list: readonly TaskView[], previous?: TaskMap): TaskMap {
  const next = new Map<string, TaskView>()
  for (const task of list) {
    const old = previous?.get(task.taskId)
    next.set(task.taskId, old !== undefined && isNewer(old, task) ? old : task)
  }
  return next
}

/** Applies one task:state event; an older view than the one held is ignored. */
export function upsertTask (tasks: TaskMap, task: TaskView): TaskMap {
  const old = tasks.get(task.taskId)
  if (old !== undefined && isNewer(old, task)) return tasks
  const next = new Map(tasks)
  next.set(task.taskId, task)
  return next
}

// A higher epoch always wins (a new holder); within an epoch the later update does.
function isNewer (a: TaskView, b: TaskView): boolean {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch
  return a.updatedAt > b.updatedAt
}

/** Newest first; tasks whose spec is not known yet last, in a stable order. */
export function sortTasks (tasks: Iterable<TaskView>): TaskView[] {
  return [...tasks].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0) || a.taskId.localeCompare(b.taskId))
}

export const myTasks = (tasks: TaskMap): TaskView[] => sortTasks([...tasks.values()].filter((t) => t.mine))
export const tasksRunningHere = (tasks: TaskMap): TaskView[] => sortTasks([...tasks.values()].filter((t) => t.runningHere))

/** The 12 hex characters the UI and the CLI show for a task id. */
export const shortTaskId = (taskId: string): string => taskId.slice(0, 12)

/**
 * When this UI first saw each task held here (TaskView has no start time). Kept per task and epoch,
 * so a task handed back and taken again counts from its new start.
 */
export type HeldSince = Readonly<Record<string, { epoch: number, at: number }>>

export function trackHeldSince (held: HeldSince, task: TaskView, now: number): HeldSince {
  const entry = held[task.taskId]
  if (task.runningHere && isHeld(task.status)) {
    if (entry !== undefined && entry.epoch === task.epoch) return held
    return { ...held, [task.taskId]: { epoch: task.epoch, at: now } }
  }
  if (entry === undefined) return held
  const { [task.taskId]: _gone, ...rest } = held
  return rest
}
