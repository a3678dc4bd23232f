// The connection to the peer as the UI shows it, worked out from what the web client observes:
// whether HTTP answers and whether the event stream is open.
export type LinkState =
  /** Nothing known yet (first load). */
  | 'connecting'
  /** HTTP answers and events flow. */
  | 'online'
  /** The peer does not answer or the event stream is down: retrying. */
  | 'down'
  /** The token is missing or refused: only a new URL from `mcloud ui-url` helps. */
  | 'unauthorized'

export interface LinkSignals {
  /** The last HTTP call got an answer (undefined: none finished yet). */
  httpReachable: boolean | undefined
  eventsOpen: boolean
  /** The event stream was open at least once, so its absence now is a drop. */
  eventsEverOpen: boolean
  unauthorized: boolean
}

export function linkState (s: LinkSignals): LinkState {
  if (s.unauthorized) return 'unauthorized'
  if (s.httpReachable === false) return 'down'
  if (s.eventsOpen) return s.httpReachable === undefined ? 'connecting' : 'online'
  return s.eventsEverOpen ? 'down' : 'connecting'
}

type Listener = (state: LinkState) => void

/** Holds the signals and tells listeners when the derived state changes. */
export class Link {
  private signals: LinkSignals = { httpReachable: undefined, eventsOpen: false, eventsEverOpen: false, unauthorized: false }
  private current: LinkState = 'connecting'
  private readonly listeners = new Set<Listener>()

  get state (): LinkState { return this.current }

  update (change: Partial<LinkSignals>): void {
    this.signals = { ...this.signals, ...change }
    if (this.signals.eventsOpen) this.signals.eventsEverOpen = true
    const next = linkState(this.signals)
    if (next === this.current) return
    this.current = next
    for (const l of [...this.listeners]) l(next)
  }

  subscribe (listener: Listener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }
}
