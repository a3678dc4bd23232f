// Transfers per task, from the peer's transfer:progress events: downloads of my tasks' outputs
// (with the outcome of the user's "Download outputs"), and the inputs this computer fetches for the
// colleagues' tasks it runs. Pure: the store applies these.
import type { ApiEvent, DownloadOutputsResponse } from '../../shared/api.js'
import { formatProgress } from '../format/units.js'

export interface OutputsDownload {
  bytes: number
  /** null while the peer does not know the size yet. */
  total: number | null
  /** The peer is fetching them now (a user's download, or one the peer started itself). */
  active: boolean
  /** Where the user's last download saved them. */
  savedDir: string | null
  /** Why the last download failed. */
  error: string | null
}

export type OutputsDownloads = Readonly<Record<string, OutputsDownload>>

type ProgressEvent = Extract<ApiEvent, { type: 'transfer:progress' }>

const IDLE: OutputsDownload = { bytes: 0, total: null, active: false, savedDir: null, error: null }

const put = (downloads: OutputsDownloads, taskId: string, next: OutputsDownload): OutputsDownloads => ({ ...downloads, [taskId]: next })

/** Inputs this computer is fetching for a task it runs, by task id: bytes so far of the total. */
export type InputFetches = Readonly<Record<string, { bytes: number, total: number | null }>>

/** Follows the fetch of a task's inputs here; its end (done or failed) removes it. */
export function applyInputProgress (fetches: InputFetches, event: ProgressEvent): InputFetches {
  if (event.direction !== 'inputs') return fetches
  if (!event.done) return { ...fetches, [event.taskId]: { bytes: event.bytes, total: event.total } }
  return forgetInputFetch(fetches, event.taskId)
}

/** Drops a task's fetch (it ended, or the task no longer runs here and its last event was missed). */
export function forgetInputFetch (fetches: InputFetches, taskId: string): InputFetches {
  if (!(taskId in fetches)) return fetches
  const { [taskId]: _gone, ...rest } = fetches
  return rest
}

/** The line under a task running here while its inputs arrive. */
export const inputsLine = (fetch: InputFetches[string]): string => `Fetching inputs… ${formatProgress(fetch.bytes, fetch.total)}`

/** Progress of an outputs download (applyInputProgress follows the inputs). */
export function applyProgress (downloads: OutputsDownloads, event: ProgressEvent): OutputsDownloads {
  if (event.direction !== 'outputs') return downloads
  const prev = downloads[event.taskId] ?? IDLE
  return put(downloads, event.taskId, {
    ...prev,
    bytes: event.bytes,
    total: event.total,
    active: !event.done,
    // A new transfer clears the last failure; its own end may bring one.
    error: event.done ? (event.error ?? prev.error) : null
  })
}

/** The user pressed "Download outputs": what the last one said no longer applies. */
export const downloadRequested = (downloads: OutputsDownloads, taskId: string): OutputsDownloads =>
  put(downloads, taskId, { ...(downloads[taskId] ?? IDLE), active: true, savedDir: null, error: null })

export const downloadSaved = (downloads: OutputsDownloads, result: DownloadOutputsResponse): OutputsDownloads =>
  put(downloads, result.taskId, { bytes: result.bytes, total: result.bytes, active: false, savedDir: result.dir, error: null })

export const downloadFailed = (downloads: OutputsDownloads, taskId: string, error: string): OutputsDownloads =>
  put(downloads, taskId, { ...(downloads[taskId] ?? IDLE), active: false, savedDir: null, error })

/**
 * The panel's one line about a task's outputs: the download going on, where the user's last one
 * saved them, or where the peer put them by itself; undefined when there is nothing to say.
 */
export function outputsLine (outputsDir: string | null, download: OutputsDownload | undefined): string | undefined {
  if (download?.active === true) {
    return `Downloading outputs… ${formatProgress(download.bytes, download.total)}`
  }
  if (download?.savedDir != null) return `Saved to ${download.savedDir}`
  if (outputsDir !== null) return `Outputs saved to ${outputsDir}`
  return undefined
}
