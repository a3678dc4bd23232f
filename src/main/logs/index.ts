// logs/: per-task log buffers, the libp2p log-stream protocol and the live log relay.
export { LogBook, type LogBookInit } from './log-book.js'
export { LogStreamService, LOG_PROTOCOL, type LogStreamComponents } from './log-stream.js'
export { LogRelay, type LogRelayComponents, type LogRelayInit } from './log-relay.js'
export { pruneLogFiles } from './log-files.js'
