// @libp2p/yamux 8 sends a window-update frame back after EVERY data frame it receives, however
// much of the receive window is left (stream.js handleData → sendWindowUpdate). Our traffic is
// many small frames on long-lived streams (gossip, lease records): each one cost the receiver an
// extra encrypted frame and write() syscall and the sender an extra decrypt and parse, ~10 % of a
// busy peer's CPU (V8 profile, 35 peers). Yamux only needs the window refilled before it runs
// out, so an established stream now sends its update once less than half of the window is left,
// as go-yamux and rust-yamux do. Handshake flags (SYN/ACK) and paused streams keep their own path.
import { StreamState, YamuxStream } from '@libp2p/yamux/stream'

interface WindowFields { state: StreamState, recvWindow: number, recvWindowCapacity: number }

let installed = false

/** Installs the half-window rule on every yamux stream in this process (idempotent). */
export function batchYamuxWindowUpdates (): void {
  if (installed) return
  installed = true
  const proto = YamuxStream.prototype as unknown as { sendWindowUpdate: (this: WindowFields) => void }
  const everyFrame = proto.sendWindowUpdate
  proto.sendWindowUpdate = function (this: WindowFields): void {
    if (windowUpdateDue(this)) everyFrame.call(this)
  }
}

/** False while an established stream has more than half its receive window left: the sender can keep going. */
function windowUpdateDue (s: WindowFields): boolean {
  return s.state !== StreamState.Established || s.recvWindowCapacity * 2 <= s.recvWindow
}
