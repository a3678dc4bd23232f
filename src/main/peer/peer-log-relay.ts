// The peer's live log relay (logs/LogRelay) wired to its log book, event bus, tasks and the
// libp2p log stream: lines fetched from a holder are kept here and announced like local ones.
import { peerIdFromString } from '@libp2p/peer-id'
import { LogRelay, type LogBook, type LogStreamService } from '../logs/index.js'
import type { PeerBus } from './bus.js'
import type { TaskService } from './task-service.js'

export interface PeerLogRelayParts {
  peerId: string
  logs: LogBook
  bus: PeerBus
  logStream: LogStreamService
  /** Created after the relay (the task service tells the relay which runs to copy). */
  tasks: () => TaskService
}

export function createPeerLogRelay (p: PeerLogRelayParts): LogRelay {
  return new LogRelay({
    peerId: p.peerId,
    lines: taskId => p.logs.lines(taskId),
    keep: line => { p.bus.emit({ type: 'task:log', line: p.logs.append(line) }) },
    onLine: listener => p.bus.on(e => { if (e.type === 'task:log') listener(e.line) }),
    onTaskState: listener => p.bus.on(e => { if (e.type === 'task:state') listener(e.task) }),
    view: taskId => p.tasks().view(taskId),
    refresh: async taskId => { await p.tasks().refresh(taskId) },
    follow: async (holder, taskId, onLine, signal) => await p.logStream.follow(peerIdFromString(holder), taskId, onLine, signal)
  })
}
