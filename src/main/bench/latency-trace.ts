// The instruments of the latency experiment: one timeline of what every peer of the testbed did
// and when. Bus events come through the peer's own bus; the timing of DHT calls and Docker
// calls has no event, so the bench wraps the methods of its own RecordStore and Dockerode
// instances (never a prototype: nothing else in the process is touched, and behaviour is unchanged).
import type { IncomingMessage } from 'node:http'
import Dockerode from 'dockerode'
import { parseKey, type TaskState } from '../../shared/index.js'
import type { Executor } from '../executor/index.js'
import type { Peer, PeerEvent } from '../peer/index.js'

/** One thing a peer did: a bus event (a point, `end` unset) or a call (from `at` to `end`). */
export interface Mark {
  /** performance.now() when it happened or the call began. */
  at: number
  /** When the call returned; for `docker:wait`, when the daemon accepted the wait. */
  end?: number
  /** Index of the peer in the testbed. */
  peer: number
  /** `bus:<event type>`, `dht:get`, `dht:put`, `docker:<call>` (+ `docker:exit`, `docker:outputEnd`), `exec:run`. */
  what: string
  taskId?: string
  /** Status of a state (task:state, state puts, lease:committed), stream of a log line. */
  detail?: string
}

/** Docker calls by path; the rest (ping, kill, list) plays no part in a task's latency. */
function dockerCall (method: string, path: string): string | undefined {
  if (path.startsWith('/images/') && path.endsWith('/json')) return 'imageInspect'
  if (path.startsWith('/containers/create')) return 'create'
  const m = /^\/containers\/[^/?]+(\/[a-z]+)?\?*$/.exec(path)
  if (m === null) return undefined
  const sub = m[1]?.slice(1)
  if (sub === undefined) return method === 'DELETE' ? 'remove' : undefined
  if (sub === 'json') return 'inspect'
  return ['wait', 'attach', 'start'].includes(sub) ? sub : undefined
}

interface DialOptions { path: string, method?: string }
type DialCallback = (err: unknown, data: unknown) => void

export class Timeline {
  readonly marks: Mark[] = []

  add (mark: Mark): Mark {
    this.marks.push(mark)
    return mark
  }

  /** Marks about `taskId`, in time order. */
  of (taskId: string): Mark[] {
    return this.marks.filter(m => m.taskId === taskId)
  }

  /** Docker calls carry no task id: a run's are those of its provider between its start and return. */
  dockerCalls (peer: number, from: number, to: number): Mark[] {
    return this.marks.filter(m => m.peer === peer && m.what.startsWith('docker:') && m.at >= from && m.at <= to)
  }

  /** Records the peer's bus events and times its DHT reads and writes of task records. */
  watch (peer: Peer, index: number): () => void {
    const off = peer.bus.on(event => {
      const at = performance.now()
      const { taskId, detail } = describeEvent(event)
      this.add({ at, peer: index, what: `bus:${event.type}`, taskId, detail })
    })
    const records = peer.records
    const put = records.put.bind(records)
    const get = records.get.bind(records)
    records.put = async (key, value, options) => {
      const taskId = taskOf(key)
      if (taskId === undefined) return await put(key, value, options)
      const status = key.endsWith('/state') ? (value as TaskState).status : key.slice(key.lastIndexOf('/') + 1)
      const mark = this.add({ at: performance.now(), peer: index, what: 'dht:put', taskId, detail: status })
      try { return await put(key, value, options) } finally { mark.end = performance.now() }
    }
    records.get = async (key, options) => {
      const taskId = taskOf(key)
      if (taskId === undefined) return await get(key, options)
      const mark = this.add({ at: performance.now(), peer: index, what: 'dht:get', taskId, detail: key.slice(key.lastIndexOf('/') + 1) })
      try { return await get(key, options) } finally { mark.end = performance.now() }
    }
    return () => { off(); records.put = put; records.get = get }
  }

  /** A Dockerode whose calls to the engine are timed (its modem is this instance's own). */
  docker (index: number): Dockerode {
    const docker = new Dockerode()
    const modem = docker.modem as unknown as { dial: (options: DialOptions, callback: DialCallback) => void }
    const dial = modem.dial.bind(modem)
    modem.dial = (options, callback) => {
      const call = dockerCall(options.method ?? 'GET', options.path)
      if (call === undefined) { dial(options, callback); return }
      const mark = this.add({ at: performance.now(), peer: index, what: `docker:${call}` })
      dial(options, (err, data) => {
        mark.end = performance.now()
        // The wait answers with headers at once and its body at the container's exit: the end
        // of that body is when the engine reported the exit to us.
        if (call === 'wait' && err == null) {
          (data as IncomingMessage).once('end', () => { this.add({ at: performance.now(), peer: index, what: 'docker:exit' }) })
        }
        // The attach stream ends when the container's stdout and stderr close: the exit as the
        // output sees it, which may come before the engine's exit report.
        if (call === 'attach' && err == null) {
          (data as NodeJS.ReadableStream).once('end', () => { this.add({ at: performance.now(), peer: index, what: 'docker:outputEnd' }) })
        }
        callback(err, data)
      })
    }
    return docker
  }

  /**
   * The same executor, with each run's start and return on the timeline. A proxy rather than a
   * wrapper object, so whatever else the Executor interface offers (now or later) still reaches it.
   */
  executor (inner: Executor, index: number): Executor {
    const run: Executor['run'] = async (task) => {
      const mark = this.add({ at: performance.now(), peer: index, what: 'exec:run', taskId: task.taskId })
      try { return await inner.run(task) } finally { mark.end = performance.now() }
    }
    return new Proxy(inner, { get: (target, prop, receiver) => prop === 'run' ? run : Reflect.get(target, prop, receiver) as unknown })
  }
}

function taskOf (key: string): string | undefined {
  const parsed = parseKey(key)
  return parsed?.kind.startsWith('task-') === true ? parsed.id : undefined
}

function describeEvent (event: PeerEvent): { taskId?: string, detail?: string } {
  switch (event.type) {
    case 'task:state': return { taskId: event.task.taskId, detail: event.task.status }
    case 'task:log': return { taskId: event.line.taskId, detail: event.line.stream }
    case 'executor:log': return { taskId: event.taskId, detail: event.stream }
    case 'lease:committed': return { taskId: event.taskId, detail: event.status }
    case 'lease:claimed': case 'lease:lost': case 'lease:fenced': case 'lease:released': case 'task:running':
      return { taskId: event.taskId }
    default: return {}
  }
}
