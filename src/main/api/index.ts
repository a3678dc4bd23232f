// The local API: HTTP + WebSocket server over the shared MCloudApi contract, and its client.
export { startApiServer, MAX_BODY_BYTES, type ApiServer, type ApiServerOptions } from './server.js'
export { createApiClient, readApiInfo, type ApiClient, type ApiClientOptions, type EventStreamOptions, type LocalApiInfo } from './client.js'
export { ApiClientError, PeerNotRunningError, describeIssue, toErrorResponse } from './errors.js'
export { UI_CSP, DEFAULT_UI_DIR } from './ui-files.js'
