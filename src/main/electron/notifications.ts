// Desktop notifications: my task finished, and (once) that closing the window does not stop sharing.
import { Notification } from 'electron'
import type { MCloudApi } from '../../shared/index.js'
import { MyTaskNotices } from './task-notices.js'

export interface TaskNotificationsInit {
  subscribe: MCloudApi['subscribe']
  /** The window is in front: the owner sees the status change there, no need to interrupt. */
  quiet: () => boolean
  onClick: () => void
}

// A notification that is garbage-collected loses its click handler (Windows): hold it while shown.
const showing = new Set<Notification>()

function show (title: string, body: string, onClick?: () => void): void {
  const notification = new Notification({ title, body })
  showing.add(notification)
  const release = (): void => { showing.delete(notification) }
  notification.on('close', release)
  notification.on('click', () => { release(); onClick?.() })
  notification.show()
}

/** Notifies when one of my tasks reaches a terminal status; returns the unsubscribe function. */
export function notifyMyTasks (init: TaskNotificationsInit): () => void {
  if (!Notification.isSupported()) return () => {}
  const notices = new MyTaskNotices()
  return init.subscribe(event => {
    if (event.type !== 'task:state') return
    // Observed even when quiet, so a later change is judged against what was seen.
    const notice = notices.observe(event.task)
    if (notice !== null && !init.quiet()) show(notice.title, notice.body, init.onClick)
  })
}

let toldAboutTray = false

/** The first time the window closes: the app keeps lending from the tray. */
export function tellStillRunning (onClick: () => void): void {
  if (toldAboutTray || !Notification.isSupported()) return
  toldAboutTray = true
  show('Mutual Cloud is still running', 'This computer keeps sharing in the background. Quit from the tray icon to stop.', onClick)
}
