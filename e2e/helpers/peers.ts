// Two real peers in this process, both serving the web UI on a free port: A only borrows (no
// executor), B lends through the real Docker engine. Container labels carry a per-file owner so
// cleanup removes only this file's leftovers.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { API_TOKEN_FILE } from '../../src/shared/api.js'
import { DockerExecutor } from '../../src/main/executor/docker/index.js'
import type { Peer } from '../../src/main/peer/index.js'
import { startCluster, type Cluster } from '../../test/helpers/cluster.js'
import { containerIds, docker, dockerAvailable } from '../../test/helpers/docker.js'
import { chromiumPath } from './browser.js'

export const BORROWER = 'borrower-a'
export const LENDER = 'lender-b'

/** The specs need both a Docker engine and a browser; without them they are skipped, like integration. */
export const e2eReady = (): boolean => dockerAvailable() && chromiumPath() !== undefined

export interface WebPeers {
  cluster: Cluster
  a: Peer
  b: Peer
  stop: () => Promise<void>
}

export async function startWebPeers (owner: string): Promise<WebPeers> {
  const cluster = await startCluster(2, i => i === 0
    ? { name: BORROWER, apiPort: 0 }
    : {
        name: LENDER,
        apiPort: 0,
        executor: new DockerExecutor({ owner }),
        sharing: { mode: 'on', maxCpu: 2, maxMemoryMb: 1024, maxTasks: 2, maxOwnerCpuPct: 100 }
      })
  return {
    cluster,
    a: cluster.peers[0]!,
    b: cluster.peers[1]!,
    stop: async () => {
      await cluster.stop()
      removeContainers(owner)
    }
  }
}

export function removeContainers (owner: string): void {
  const ids = containerIds(`label=mcloud.owner=${owner}`)
  if (ids.length > 0) docker(['rm', '-f', '-v', ...ids])
}

export async function tokenOf (peer: Peer): Promise<string> {
  const { dataDir } = await peer.status()
  return (await readFile(join(dataDir, API_TOKEN_FILE), 'utf8')).trim()
}

/** The address a user opens: the peer's API URL with its token, as `mcloud ui-url` prints it. */
export async function uiUrlOf (peer: Peer): Promise<string> {
  if (peer.apiUrl === undefined || peer.apiUrl === '') throw new Error('this peer serves no API (apiPort: null?)')
  return `${peer.apiUrl}/?token=${await tokenOf(peer)}`
}
