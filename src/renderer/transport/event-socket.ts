// The web client's event stream: one WebSocket shared by every subscriber, reopened with back-off
// whenever it drops, until the last subscriber leaves.
import type { ApiEvent } from '../../shared/api.js'
import { reconnectDelayMs } from './backoff.js'

export interface EventSocketInit {
  /** ws(s)://host/api/events?token=… */
  url: string
  onEvent: (event: ApiEvent) => void
  /** true when the socket opens, false when it drops or fails to open. */
  onOpenChange: (open: boolean) => void
}

export class EventSocket {
  private readonly init: EventSocketInit
  private socket: WebSocket | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private attempt = 0
  private running = false

  constructor (init: EventSocketInit) {
    this.init = init
  }

  start (): void {
    if (this.running) return
    this.running = true
    this.open()
  }

  /** Closes the socket and stops reconnecting; safe to call twice. */
  stop (): void {
    this.running = false
    clearTimeout(this.timer)
    this.timer = undefined
    const socket = this.socket
    this.socket = undefined
    socket?.close()
  }

  /** Skips the remaining back-off wait (the banner's Retry button). */
  retryNow (): void {
    if (!this.running || this.socket !== undefined) return
    clearTimeout(this.timer)
    this.attempt = 0
    this.open()
  }

  private open (): void {
    this.timer = undefined
    let socket: WebSocket
    try {
      socket = new WebSocket(this.init.url)
    } catch {
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    socket.onopen = () => {
      this.attempt = 0
      this.init.onOpenChange(true)
    }
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return
      let frame: ApiEvent | ApiEvent[]
      try {
        frame = JSON.parse(message.data) as ApiEvent | ApiEvent[]
      } catch {
        return
      }
      // The server batches events that come close together into one array frame.
      for (const event of Array.isArray(frame) ? frame : [frame]) this.init.onEvent(event)
    }
    // onerror is always followed by onclose, so reconnecting is handled there only.
    socket.onclose = () => {
      if (this.socket !== socket) return
      this.socket = undefined
      this.init.onOpenChange(false)
      this.scheduleReconnect()
    }
  }

  private scheduleReconnect (): void {
    if (!this.running) return
    const delay = reconnectDelayMs(this.attempt)
    this.attempt += 1
    this.timer = setTimeout(() => { this.open() }, delay)
  }
}
