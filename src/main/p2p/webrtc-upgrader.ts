// After two peers meet through a relay, the dialer asks for a direct WebRTC connection over the
// relayed one (the relayed connection carries the signalling). Relayed connections are limited in
// time and bytes by the relay, and they cost the relay's bandwidth, so work must not stay on them.
import { CODE_P2P, CODE_P2P_CIRCUIT, CODE_WEBRTC } from '@multiformats/multiaddr'
import { WEBRTC_UPGRADE_TIMEOUT_MS } from './constants.js'
import type { AbortOptions, ComponentLogger, Connection, Libp2pEvents, Logger, PeerId, PendingDial, Startable, TypedEventTarget } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface WebRTCUpgraderComponents {
  connectionManager: {
    openConnection(addr: Multiaddr, options?: AbortOptions): Promise<Connection>
    getConnections(peerId?: PeerId): Connection[]
    getDialQueue(): PendingDial[]
  }
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
}

export interface WebRTCUpgraderInit {
  /** Give up upgrading a relayed connection after this many ms; default WEBRTC_UPGRADE_TIMEOUT_MS */
  timeout?: number
}

/** How often to check whether the dial that produced a relayed connection has settled. */
const DIAL_SETTLE_POLL_MS = 25

export class WebRTCUpgrader implements Startable {
  private readonly components: WebRTCUpgraderComponents
  private readonly timeout: number
  private readonly log: Logger
  private shutdown = new AbortController()
  private started = false

  constructor (components: WebRTCUpgraderComponents, init: WebRTCUpgraderInit = {}) {
    this.components = components
    this.timeout = init.timeout ?? WEBRTC_UPGRADE_TIMEOUT_MS
    this.log = components.logger.forComponent('mcloud:p2p:webrtc-upgrader')
    this.onConnectionOpen = this.onConnectionOpen.bind(this)
  }

  readonly [Symbol.toStringTag] = 'mcloud/webrtc-upgrader'

  isStarted (): boolean {
    return this.started
  }

  start (): void {
    if (this.started) return
    this.shutdown = new AbortController()
    this.components.events.addEventListener('connection:open', this.onConnectionOpen)
    this.started = true
  }

  stop (): void {
    if (!this.started) return
    this.components.events.removeEventListener('connection:open', this.onConnectionOpen)
    this.shutdown.abort()
    this.started = false
  }

  private onConnectionOpen (evt: CustomEvent<Connection>): void {
    const conn = evt.detail
    // only the dialer upgrades, so the two sides never race into two WebRTC connections
    if (conn.limits == null || conn.direction !== 'outbound') return
    const target = webRTCAddressFor(conn.remoteAddr, conn.remotePeer)
    if (target == null) return
    void this.upgrade(conn.remotePeer, target).catch(err => {
      this.log('could not upgrade relayed connection to %p - %e', conn.remotePeer, err)
    })
  }

  private async upgrade (peer: PeerId, target: Multiaddr): Promise<void> {
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.timeout)])
    // the relayed connection may belong to a dial still in the queue (or to a WebRTC dial using it
    // for signalling); a dial now would join that one instead of opening a direct connection
    while (this.dialPending(peer)) {
      await sleep(DIAL_SETTLE_POLL_MS, signal)
    }
    if (this.hasDirectConnection(peer)) return
    this.log('upgrading relayed connection to %p via %a', peer, target)
    const conn = await this.components.connectionManager.openConnection(target, { signal })
    // the relayed connection is left to the relay's limits: a caller may still be using it
    this.log('upgraded connection to %p, now %a', peer, conn.remoteAddr)
  }

  private dialPending (peer: PeerId): boolean {
    return this.components.connectionManager.getDialQueue().some(dial => dial.peerId?.equals(peer) === true)
  }

  private hasDirectConnection (peer: PeerId): boolean {
    return this.components.connectionManager.getConnections(peer).some(c => c.limits == null && c.status === 'open')
  }
}

/** `<relay>/p2p/<R>/p2p-circuit/p2p/<B>` → `<relay>/p2p/<R>/p2p-circuit/webrtc/p2p/<B>`; undefined if not a plain circuit address. */
export function webRTCAddressFor (remoteAddr: Multiaddr, remotePeer: PeerId): Multiaddr | undefined {
  const codes = remoteAddr.getComponents().map(c => c.code)
  if (!codes.includes(CODE_P2P_CIRCUIT) || codes.includes(CODE_WEBRTC)) return undefined
  let circuit = remoteAddr
  if (codes.at(-1) === CODE_P2P) circuit = circuit.decapsulateCode(CODE_P2P)
  if (circuit.getComponents().at(-1)?.code !== CODE_P2P_CIRCUIT) return undefined
  return circuit.encapsulate(`/webrtc/p2p/${remotePeer.toString()}`)
}

async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve() }, ms)
    const onAbort = (): void => { clearTimeout(timer); reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

export function webRTCUpgrader (init: WebRTCUpgraderInit = {}): (components: WebRTCUpgraderComponents) => WebRTCUpgrader {
  return (components) => new WebRTCUpgrader(components, init)
}
