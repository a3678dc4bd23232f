// What crosses IPC between the main process and the preload, besides the MCloudApi values
// themselves. Pure (no electron import): the preload bundle and the unit tests use it too.
import type { ApiErrorName, ApiEvent, ApiMethod } from '../../shared/index.js'

/** The invoke channel of one API method: `mcloud:<method>` (events use API_EVENT_CHANNEL). */
export const ipcChannel = (method: ApiMethod): string => `mcloud:${method}`

/** An error as it crosses IPC: a plain object, because Electron keeps only the message of an Error. */
export interface IpcErrorBody { name: ApiErrorName, message: string, field?: string }

/**
 * Every handler answers with a result instead of throwing: a rejected `ipcRenderer.invoke`
 * carries only a rewritten message ("Error invoking remote method …"), never `name` or `field`.
 */
export type IpcResult = { ok: true, value: unknown } | { ok: false, error: IpcErrorBody }

/** Events go to the window in batches (one IPC message per burst of log lines, in order). */
export type IpcEventBatch = ApiEvent[]
