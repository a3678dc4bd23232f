// libp2p creates a debug logger per stream and per connection (each one asks the terminal for
// colour support): ~10% of a busy peer's CPU when nobody reads the output. Unless DEBUG is set,
// the node gets loggers that do nothing.
import type { ComponentLogger, Logger } from '@libp2p/interface'

const noop = (): void => {}
const quietLog: Logger = Object.assign(noop, { error: noop, trace: noop, enabled: false, newScope: (): Logger => quietLog })

export const quietLogger: ComponentLogger = { forComponent: () => quietLog }

/** The logger to give libp2p: the real one when DEBUG asks for output, else the quiet one. */
export const libp2pLogger = (): ComponentLogger | undefined => (process.env.DEBUG ?? '') === '' ? quietLogger : undefined
