// The data plane (issue 8): task inputs and outputs as content-addressed DAGs, moved by bitswap.
export * from './types.js'
export { createContentStore, type ContentStoreInit } from './content-store.js'
export { ContentMissingError, ContentTooBigError, UnsafeEntryNameError } from './errors.js'
export * as contentDefaults from './constants.js'
