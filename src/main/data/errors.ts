// Failures of the content store other than a fetch's (ContentFetchError lives in types.ts, the
// contract). Each names the CID or path and says what to do.

/** A DAG entry name that would write outside the target directory ('..', 'a/b', ''). */
export class UnsafeEntryNameError extends Error {
  override name = 'UnsafeEntryNameError'
  constructor (readonly cid: string, readonly entryName: string) {
    super(`content ${cid} has an entry named ${JSON.stringify(entryName)}: refusing to write it (names must not be empty, '.', '..', or hold '/' or '\\')`)
  }
}

/** exportTo/has found a block missing: the content was never fetched here, or was collected. */
export class ContentMissingError extends Error {
  override name = 'ContentMissingError'
  constructor (readonly cid: string, cause?: unknown) {
    super(`content ${cid} is not (wholly) in this peer's store: fetch it first`, { cause })
  }
}

/** addDirectoryContents counted more than its maxBytes. */
export class ContentTooBigError extends Error {
  override name = 'ContentTooBigError'
  constructor (readonly path: string, readonly maxBytes: number) {
    super(`${path} holds more than the limit of ${maxBytes} bytes`)
  }
}
