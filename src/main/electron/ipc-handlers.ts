// The main-process side of every `mcloud:<method>` call: validates the renderer's arguments with
// the shared schemas (as the HTTP routes do), calls the peer, and turns any outcome into an
// IpcResult. Pure: no electron import, so it is unit-tested without the binary.
import type { z } from 'zod'
import {
  downloadOutputsRequestSchema, importOrgKeySchema, peerConfigUpdateSchema, sharingUpdateSchema, submitTaskRequestSchema, taskIdString,
  type ApiMethod, type MCloudApi
} from '../../shared/index.js'
// The HTTP server's mapping, so a bad field or a hidden internal error reads the same over IPC.
import { describeIssue, toErrorResponse } from '../api/index.js'
import type { IpcResult } from './ipc-contract.js'

class ArgumentError extends Error {
  override name = 'ValidationError' as const
  constructor (message: string, readonly field: string) { super(message) }
}

/** Parses one argument; a failure names the field (or the parameter, for a wrong shape). */
function parse<T extends z.ZodType> (schema: T, value: unknown, param: string): z.output<T> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const { field, message } = describeIssue(parsed.error.issues[0]!)
  // describeIssue says "body" when the whole argument is wrong (not an object, say).
  const named = field === 'body' ? param : field
  throw new ArgumentError(`${named}: ${message}`, named)
}

const taskId = (args: unknown[]): string => parse(taskIdString, args[0], 'taskId')

type Handler = (api: MCloudApi, args: unknown[]) => Promise<unknown>

// Typed by ApiMethod: a method added to the contract without a handler here fails to compile.
const HANDLERS: Record<ApiMethod, Handler> = {
  status: async (api) => await api.status(),
  peers: async (api) => await api.peers(),
  listTasks: async (api) => await api.listTasks(),
  getTask: async (api, args) => await api.getTask(taskId(args)),
  submitTask: async (api, args) => await api.submitTask(parse(submitTaskRequestSchema, args[0], 'request')),
  cancelTask: async (api, args) => await api.cancelTask(taskId(args)),
  taskLogs: async (api, args) => await api.taskLogs(taskId(args)),
  whyTask: async (api, args) => await api.whyTask(taskId(args)),
  handBackTask: async (api, args) => await api.handBackTask(taskId(args)),
  // The folder comes from the renderer: the schema bounds it; the peer decides whether it may write there.
  downloadOutputs: async (api, args) =>
    await api.downloadOutputs(taskId(args), parse(downloadOutputsRequestSchema, args[1] ?? {}, 'request')),
  sharing: async (api) => await api.sharing(),
  updateSharing: async (api, args) => await api.updateSharing(parse(sharingUpdateSchema, args[0], 'update')),
  stopNow: async (api) => await api.stopNow(),
  config: async (api) => await api.config(),
  updateConfig: async (api, args) => await api.updateConfig(parse(peerConfigUpdateSchema, args[0], 'update')),
  exportOrgKey: async (api) => await api.exportOrgKey(),
  importOrgKey: async (api, args) => await api.importOrgKey(parse(importOrgKeySchema, args[0], 'request')),
  generateOrgKey: async (api) => await api.generateOrgKey()
}

/** Runs one call; never throws (an unexpected error becomes an InternalError, logged here). */
export async function handleCall (api: MCloudApi | Promise<MCloudApi>, method: ApiMethod, args: unknown[]): Promise<IpcResult> {
  try {
    return { ok: true, value: await HANDLERS[method](await api, args) }
  } catch (err) {
    return { ok: false, error: toErrorResponse(err).body.error }
  }
}
