// Helia on the organisation's own libp2p node. helia's createHelia/withLibp2p build a second libp2p
// node (public bootstrap peers, HTTP gateways, delegated routing); we want none of that: blocks move
// only between members, over the node that already carries the org-key handshake. So: the light
// Helia (no routers, no brokers), our node as `helia.libp2p`, one router onto our kad-dht, bitswap.
import { withBitswap } from '@helia/bitswap'
import { peerIdFromCID } from '@libp2p/peer-id'
import { FsDatastore } from 'datastore-fs'
import { createHeliaLight, type Helia, type Provider, type Router } from 'helia'
import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '@libp2p/interface'
import type { MCLibp2p } from '../p2p/index.js'
import { BITSWAP_OPTIONS } from './constants.js'
import { OrgBlockstore } from './blockstore.js'

export type OrgHelia = Helia & { libp2p: MCLibp2p }

/**
 * Routes through our kad-dht, and only for the roots in `lookups`: we announce roots only, so a
 * lookup of any inner block finds nobody, yet bitswap asks the router once per wanted block
 * (a DHT query per MiB). Inner blocks are asked of the peers already connected, which include
 * whoever the root's lookup found.
 */
export class OrgRouter implements Router {
  readonly name = 'org-dht'
  constructor (private readonly node: MCLibp2p, private readonly lookups: ReadonlySet<string>) {}

  async provide (cid: CID, options?: AbortOptions): Promise<void> {
    await this.node.contentRouting.provide(cid, options)
  }

  async cancelReprovide (cid: CID, options?: AbortOptions): Promise<void> {
    await this.node.contentRouting.cancelReprovide(cid, options)
  }

  async * findProviders (cid: CID, options?: AbortOptions): AsyncGenerator<Provider> {
    if (!this.lookups.has(cid.toString())) return
    for await (const p of this.node.contentRouting.findProviders(cid, options)) {
      if (p.id.equals(this.node.peerId)) continue
      yield { id: p.id.toCID(), multiaddrs: p.multiaddrs, router: this.name, fallback: false }
    }
  }

  async findPeer (id: CID, options?: AbortOptions): Promise<{ id: CID, multiaddrs: Provider['multiaddrs'], router: string }> {
    const info = await this.node.peerRouting.findPeer(peerIdFromCID(id), options)
    return { id: info.id.toCID(), multiaddrs: info.multiaddrs, router: this.name }
  }
}

/** Builds and starts Helia over `node` with its blocks and pins under `dir`; `helia.stop()` leaves the node running. */
export async function startOrgHelia (node: MCLibp2p, blocksDir: string, datastoreDir: string, lookups: ReadonlySet<string>): Promise<OrgHelia> {
  const blockstore = new OrgBlockstore(blocksDir)
  const datastore = new FsDatastore(datastoreDir)
  // Helia's start() does not open them (it only calls start() on what has one)
  await blockstore.open()
  await datastore.open()
  const helia = createHeliaLight({ blockstore, datastore, routers: [new OrgRouter(node, lookups)] })
  // What withLibp2p would set, minus its mixin that starts and stops its own node.
  Object.defineProperty(helia, 'libp2p', { value: node, enumerable: true })
  const withNode = helia as OrgHelia
  withBitswap(withNode, BITSWAP_OPTIONS)
  await withNode.start()
  return withNode
}
