// IPC: one `mcloud:<method>` handler per API method, and the peer's events sent to the window.
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import { API_EVENT_CHANNEL, API_METHODS, type ApiEvent, type MCloudApi } from '../../shared/index.js'
import { ipcChannel, type IpcEventBatch, type IpcResult } from './ipc-contract.js'
import { handleCall } from './ipc-handlers.js'
import { CASE_INSENSITIVE_FS, isUiPage } from './policy.js'

/** Whether the call comes from our page's top frame (not a frame that navigated elsewhere). */
function fromOurPage (event: IpcMainInvokeEvent, uiUrl: string): boolean {
  const frame = event.senderFrame
  return frame !== null && frame.parent === null && isUiPage(frame.url, uiUrl, CASE_INSENSITIVE_FS)
}

/**
 * Registers the handlers at once, before the peer has started: a call made while it starts waits
 * for it, so the window can show "Loading…" instead of failing with "no handler registered".
 */
export function registerApiHandlers (api: Promise<MCloudApi>, uiUrl: string): void {
  for (const method of API_METHODS) {
    ipcMain.handle(ipcChannel(method), async (event, ...args: unknown[]): Promise<IpcResult> => {
      if (!fromOurPage(event, uiUrl)) return { ok: false, error: { name: 'UnauthorizedError', message: 'only the Mutual Cloud window may call the peer' } }
      return await handleCall(api, method, args)
    })
  }
}

/** Most events in one IPC message; a log flood is split so no message grows without bound. */
const MAX_BATCH = 500

/**
 * Sends events to the window in batches: a task printing thousands of lines a second costs one
 * IPC message per burst, not one per line. Events keep their order; with no window they are
 * dropped (a new window reads the current state when it opens).
 */
export class EventForwarder {
  private queue: IpcEventBatch = []
  private scheduled = false

  constructor (private readonly target: () => WebContents | undefined) {}

  readonly push = (event: ApiEvent): void => {
    if (this.target() === undefined) return
    this.queue.push(event)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(this.flush)
  }

  private readonly flush = (): void => {
    this.scheduled = false
    const contents = this.target()
    const queue = this.queue
    this.queue = []
    if (contents === undefined || contents.isDestroyed()) return
    for (let i = 0; i < queue.length; i += MAX_BATCH) contents.send(API_EVENT_CHANNEL, queue.slice(i, i + MAX_BATCH))
  }
}
