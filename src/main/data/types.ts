// The data plane's contract (issue 8): task inputs and outputs as content-addressed DAGs (unixfs)
// in a blockstore in the data dir, exchanged with bitswap over the peer's own libp2p node.
// Implemented by content-store.ts (Helia); used by the peer (submit, provider runs, downloads).

/** Progress of a transfer or an add, for CLI and UI. `total` is null when not known in advance. */
export interface TransferProgress {
  bytes: number
  total: number | null
}

export interface AddedContent {
  /** CIDv1 base32 of the root (a unixfs file or directory). */
  cid: string
  /** Bytes of file content under the root. */
  bytes: number
  /** The basename of what was added (what the task sees as /input/<name>). */
  name: string
}

export interface FetchOptions {
  signal?: AbortSignal
  /** Gives up when no new block arrived for this long. Default FETCH_STALL_MS. */
  stallMs?: number
  /** Fails as soon as more than this many content bytes arrived (the policy's input cap). */
  maxBytes?: number
  /** The size the spec declares, for progress. */
  expectedBytes?: number
  /** Peers likely to have it (the submitter, peers that ran the task): dialled first, best effort. */
  hintPeers?: string[]
  onProgress?: (p: TransferProgress) => void
}

/** Names what went wrong with a fetch in words a user understands (field: the CID). */
export class ContentFetchError extends Error {
  constructor (message: string, readonly cid: string, readonly reason: 'stalled' | 'too-big' | 'invalid' | 'aborted') {
    super(message)
    this.name = 'ContentFetchError'
  }
}

export interface ContentStore {
  /** Adds a file or a directory (recursively) from the local disk, keeps it until released, and announces it. */
  addPath: (path: string, options?: { signal?: AbortSignal, onProgress?: (p: TransferProgress) => void }) => Promise<AddedContent>
  /** Adds the entries of `dir` (a task's /output) as one directory; null when it holds nothing. Fails past maxBytes. */
  addDirectoryContents: (dir: string, options?: { maxBytes?: number, signal?: AbortSignal }) => Promise<{ cid: string, bytes: number } | null>
  /** Fetches a DAG from whoever has it, verifies every block against its CID, keeps it (pinned) and then serves it too. */
  fetch: (cid: string, options?: FetchOptions) => Promise<{ bytes: number }>
  /** Whether every block of `cid` is here. */
  has: (cid: string) => Promise<boolean>
  /**
   * Writes a DAG that is here (fetch first) into `dir`: a file as dir/<name>, a directory as
   * dir/<name>/… — or, with `name` null, a directory's entries straight into `dir`.
   */
  exportTo: (cid: string, dir: string, options?: { name?: string | null, signal?: AbortSignal, onProgress?: (p: TransferProgress) => void }) => Promise<{ bytes: number }>
  /** The content may be collected `retainMs` after now (a task that used it finished). Persisted. */
  release: (cid: string) => void
  /** Keeps content from collection again (a new task uses it). */
  retain: (cid: string) => void
  /** Removes released content older than its retention; returns how many roots went. Runs periodically by itself too. */
  collectGarbage: () => Promise<{ roots: number }>
  /** Bytes the blockstore holds on disk. */
  diskBytes: () => Promise<number>
  stop: () => Promise<void>
}

/** A fetch that got no block for this long gives up (a missing or unreachable input). */
export const FETCH_STALL_MS = 30_000
/** Content of finished tasks is kept this long for re-fetches and late downloads. */
export const DEFAULT_RETAIN_MS = 24 * 3600_000
