// The renderer's one way to the peer: the desktop bridge when present, else the web client.
import type { MCloudApi } from '../../shared/api.js'
import { findBridge, wrapBridge } from './bridge.js'
import { createHttpClient, type ControlReadApi, type LogStreamOpener } from './http-client.js'
import { Link, type LinkState } from './link.js'
import { takeToken } from './token.js'

export { ApiError, fieldMessage, isUnauthorized, isUnreachable, toApiError } from './errors.js'
export type { ControlReadApi, LogStreamOpener } from './http-client.js'
export type { LinkState } from './link.js'
export type { LogStreamState } from './log-stream.js'

export interface Transport extends MCloudApi {
  readonly kind: 'desktop' | 'web'
  /** The connection as the UI shows it; 'online' throughout in the desktop app. */
  link: () => LinkState
  onLink: (listener: (state: LinkState) => void) => () => void
  /** Reconnects the event stream now instead of after the back-off wait. */
  retryNow: () => void
  /**
   * The control peer's read API, in web mode only: the desktop bridge carries no control routes,
   * and a desktop peer is never a control peer (its status says role 'peer').
   */
  control: ControlReadApi | undefined
  /** The live log relay (WS /api/tasks/:id/logs), in web mode only. */
  openLogStream: LogStreamOpener | undefined
}

export function createTransport (): Transport {
  const link = new Link()
  const bridge = findBridge()
  if (bridge !== undefined) {
    // IPC to our own main process cannot drop; the peer's errors still arrive per call.
    link.update({ httpReachable: true, eventsOpen: true })
    return {
      ...wrapBridge(bridge),
      kind: 'desktop',
      link: () => link.state,
      onLink: (listener) => link.subscribe(listener),
      retryNow: () => {},
      control: undefined,
      openLogStream: undefined
    }
  }
  const client = createHttpClient({ base: location.origin, token: takeToken(), link })
  return {
    ...client,
    kind: 'web',
    link: () => link.state,
    onLink: (listener) => link.subscribe(listener)
  }
}
