// The renderer's one way to the peer: the desktop bridge when present, else the web client.
import type { MCloudApi } from '../../shared/api.js'
import { findBridge, wrapBridge } from './bridge.js'
import { createHttpClient } from './http-client.js'
import { Link, type LinkState } from './link.js'
import { takeToken } from './token.js'

export { ApiError, fieldMessage, isUnauthorized, isUnreachable, toApiError } from './errors.js'
export type { LinkState } from './link.js'

export interface Transport extends MCloudApi {
  readonly kind: 'desktop' | 'web'
  /** The connection as the UI shows it; 'online' throughout in the desktop app. */
  link: () => LinkState
  onLink: (listener: (state: LinkState) => void) => () => void
  /** Reconnects the event stream now instead of after the back-off wait. */
  retryNow: () => void
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
      retryNow: () => {}
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
