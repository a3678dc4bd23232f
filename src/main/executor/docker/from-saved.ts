// The product's executor for a data dir: Docker at the endpoint saved in Settings, else the one
// DOCKER_HOST names (dockerode reads it), else the default socket. Used by `mcloud agent|serve`
// and the desktop app alike.
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import Dockerode from 'dockerode'
import { loadOrCreateIdentity } from '../../p2p/index.js'
import { readSavedConfig } from '../../peer/saved-config.js'
import { DockerExecutor } from './index.js'

/** Dockerode options for a DOCKER_HOST-style endpoint (unix:///path, tcp://host:port, npipe:////./pipe/x). */
export function dockerOptionsFor (host: string): { socketPath: string } | { host: string, port: number, protocol: 'http' } {
  const url = new URL(host)
  if (url.protocol === 'unix:') return { socketPath: url.pathname }
  if (url.protocol === 'npipe:') return { socketPath: host.slice('npipe://'.length).replace(/\//g, '\\') }
  return { host: url.hostname, port: Number(url.port === '' ? 2375 : url.port), protocol: 'http' }
}

export async function dockerExecutorFor (dataDir: string): Promise<DockerExecutor> {
  const dockerHost = (await readSavedConfig(dataDir)).dockerHost
  // Containers carry this peer's id: at start it removes only its own leftovers, never the running
  // containers of another peer that shares the engine.
  const owner = peerIdFromPrivateKey(await loadOrCreateIdentity(dataDir)).toString()
  return new DockerExecutor({ owner, ...(dockerHost != null ? { docker: new Dockerode(dockerOptionsFor(dockerHost)) } : {}) })
}
