// peer/: the composition root.
export { createPeer, type Peer } from './create-peer.js'
export { defaultDataDir, type PeerConfig } from './config.js'
export { PeerBus, type PeerEvent } from './bus.js'
export { DataDirLockedError } from './data-dir.js'
export { ApiError } from './errors.js'
export { readSavedConfig, saveConfig } from './saved-config.js'
