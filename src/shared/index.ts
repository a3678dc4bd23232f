// src/shared: pure TypeScript shared by the peer, the CLI and the renderer.
export * from './schemas.js'
export * from './keys.js'
export * from './envelope.js'
export * from './order.js'
export * from './task-state.js'
export * from './record-rules.js'
export * from './api.js'
export * from './sharing.js'
