// Which task events deserve a desktop notification, and their words. Pure: notifications.ts shows them.
import { isTerminal, type TaskView } from '../../shared/index.js'

export interface Notice { taskId: string, title: string, body: string }

/** "Task 1a2b3c4d5e6f… succeeded", with the image and, for a failure, why. */
export function taskNotice (task: TaskView): Notice {
  const why = task.status === 'failed' ? (task.error ?? (task.exitCode !== null ? `exit code ${task.exitCode}` : null)) : null
  return {
    taskId: task.taskId,
    title: `Task ${task.taskId.slice(0, 12)}… ${task.status}`,
    body: [task.image ?? 'unknown image', why].filter(s => s !== null).join(' — ')
  }
}

/**
 * Notices for my tasks that finish while the app watches them. A task first seen already finished
 * (the history read at start) stays quiet: only a transition the owner may be waiting for speaks.
 */
export class MyTaskNotices {
  private readonly open = new Set<string>()

  observe (task: TaskView): Notice | null {
    if (!task.mine) return null
    if (!isTerminal(task.status)) {
      this.open.add(task.taskId)
      return null
    }
    if (!this.open.delete(task.taskId)) return null
    return taskNotice(task)
  }
}
