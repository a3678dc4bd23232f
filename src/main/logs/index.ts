// logs/: per-task log buffers.
export { LogBook, type LogBookInit } from './log-book.js'
