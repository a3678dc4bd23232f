// The bridge the renderer sees as `window.mcloud`: MCloudApi over IPC, nothing else. Runs sandboxed,
// so scripts/build-electron.mjs bundles it (with the shared constants) into one CommonJS file.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { API_EVENT_CHANNEL, ApiEvent, ApiMethod, MCloudApi } from '../../shared/index.js'
import { ipcChannel, type IpcEventBatch, type IpcResult } from './ipc-contract.js'

// Checked against the contract's literal type: importing the value would pull the shared zod
// schemas (~450 KiB) into a preload that validates nothing (the main process does).
const EVENT_CHANNEL: typeof API_EVENT_CHANNEL = 'mcloud:event'

type Result<M extends ApiMethod> = Awaited<ReturnType<MCloudApi[M]>>

/**
 * One call. A failure is rejected as a plain {name, message, field} object, not an Error: the
 * context bridge rebuilds an Error as `new Error(message)` in the page, dropping `name` and
 * `field`, whereas a plain object crosses with every property (the renderer's transport turns it
 * back into an Error).
 */
async function call<M extends ApiMethod> (method: M, ...args: unknown[]): Promise<Result<M>> {
  const result = await ipcRenderer.invoke(ipcChannel(method), ...args) as IpcResult
  if (result.ok) return result.value as Result<M>
  throw { ...result.error }
}

// Written out per method, so this object is checked against MCloudApi: a new method in the
// contract fails to compile here, and each forwards only its declared arguments.
const api: MCloudApi = {
  status: async () => await call('status'),
  peers: async () => await call('peers'),
  listTasks: async () => await call('listTasks'),
  getTask: async (taskId) => await call('getTask', taskId),
  submitTask: async (request) => await call('submitTask', request),
  cancelTask: async (taskId) => await call('cancelTask', taskId),
  taskLogs: async (taskId) => await call('taskLogs', taskId),
  whyTask: async (taskId) => await call('whyTask', taskId),
  handBackTask: async (taskId) => await call('handBackTask', taskId),
  downloadOutputs: async (taskId, request) => await call('downloadOutputs', taskId, request),
  sharing: async () => await call('sharing'),
  updateSharing: async (update) => await call('updateSharing', update),
  stopNow: async () => await call('stopNow'),
  config: async () => await call('config'),
  updateConfig: async (update) => await call('updateConfig', update),
  exportOrgKey: async () => await call('exportOrgKey'),
  importOrgKey: async (request) => await call('importOrgKey', request),
  generateOrgKey: async () => await call('generateOrgKey'),
  subscribe: (listener) => {
    // The IPC event (sender, ports) stays here: the page only ever gets the ApiEvents.
    const onBatch = (_event: IpcRendererEvent, batch: IpcEventBatch): void => {
      for (const event of batch) {
        try { listener(event as ApiEvent) } catch (err) { console.error('mcloud: event listener failed:', err) }
      }
    }
    ipcRenderer.on(EVENT_CHANNEL, onBatch)
    return () => { ipcRenderer.removeListener(EVENT_CHANNEL, onBatch) }
  }
}

contextBridge.exposeInMainWorld('mcloud', api)
