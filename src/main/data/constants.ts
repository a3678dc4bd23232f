// Defaults of the content store, one line each on why the value is what it is.

/** Released content is looked at this often; collection walks the block files, so not too often. */
export const GC_INTERVAL_MS = 10 * 60_000

/**
 * Blocks wanted at once during a fetch. Helia's own walker asks for one block at a time, so a fetch
 * paid a bitswap round trip (two 10 ms debounces) per 1 MiB block; see docs/benchmarks.md, transfer.
 */
export const FETCH_CONCURRENCY = 32

/**
 * Bitswap's knobs (its defaults: 10 ms debounces, one block message at a time per peer). A 1 MiB
 * block per want means few, large messages: waiting 10 ms to batch wants or blocks only leaves the
 * link idle, and one send at a time per peer stalls while the sender reads the next blocks from
 * disk. Measured (bench transfer, 200 MB, two processes): 40 → 57 MB/s.
 */
export const BITSWAP_OPTIONS = {
  sendWantlistDebounce: 1,
  sendBlocksDebounce: 1,
  sendBlocksConcurrency: 4
}

/** exportTo reads a file this much at a time (bounds its memory; see content-store.ts writeFile). */
export const EXPORT_WINDOW_BYTES = 8 * 1024 * 1024

/** A DHT announcement of a root gives up after this; it is best effort and never holds a caller up. */
export const PROVIDE_TIMEOUT_MS = 60_000

/** Dialling a hinted peer (from the peer store) gives up after this; the fetch goes on without it. */
export const HINT_DIAL_TIMEOUT_MS = 10_000

/** Where retention state lives in the store's directory (small JSON, written tmp + rename). */
export const RETENTION_FILE = 'retention.json'

/** Sub-directories of the store's directory: block files, and Helia's datastore (pins). */
export const BLOCKS_DIR = 'blocks'
export const DATASTORE_DIR = 'datastore'
