// logs/: per-task log buffers and the libp2p log-stream protocol.
export { LogBook, type LogBookInit } from './log-book.js'
export { LogStreamService, LOG_PROTOCOL, type LogStreamComponents } from './log-stream.js'
export { pruneLogFiles } from './log-files.js'
