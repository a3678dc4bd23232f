// One peer of `bench transfer` in its own process (forked by transfer.ts with the tsx loader), so
// the two ends of a transfer do not share an event loop and the RSS it reports is its own.
// It answers the parent's requests (transfer-protocol.ts) one at a time and exits when it goes away.
import { createHash, randomFillSync } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { createContentStore, type ContentStore } from '../data/index.js'
import { createP2P, orgKeyFromFile, send as sendOnStream, type MCLibp2p } from '../p2p/index.js'
import { TRANSFER_PEER_ENV, type TransferPeerInit, type TransferPeerMessage, type TransferReply, type TransferRequest } from './transfer-protocol.js'

const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const send = (m: TransferPeerMessage): void => { if (process.connected) process.send!(m) }
const CHUNK = 1 << 20
/** The bench's own stream protocol: the file's bytes, then the end of the stream. */
const STREAM_PROTOCOL = '/mcloud/bench/stream/1.0.0'

async function hashFile (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Runs `fn` while sampling this process's RSS; the reply carries the highest sample. */
async function withPeakRss (fn: () => Promise<Omit<TransferReply, 'id'>>): Promise<Omit<TransferReply, 'id'>> {
  let peak = process.memoryUsage().rss
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 100)
  try {
    const reply = await fn()
    return { ...reply, peakRssMb: Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20) }
  } finally {
    clearInterval(timer)
  }
}

class TransferPeer {
  private readonly source: string
  constructor (private readonly init: TransferPeerInit, readonly node: MCLibp2p, private readonly store: ContentStore) {
    this.source = join(init.dir, 'source.bin')
  }

  async handle (r: TransferRequest): Promise<Omit<TransferReply, 'id'>> {
    switch (r.op) {
      case 'add': return await this.add(r.bytes)
      case 'dial': await this.node.dial(multiaddr(r.addr)); return {}
      case 'fetch': return await withPeakRss(async () => {
        const started = performance.now()
        const { bytes } = await this.store.fetch(r.cid, { expectedBytes: r.bytes, stallMs: r.stallMs })
        return { ms: performance.now() - started, bytes }
      })
      case 'export': return await withPeakRss(async () => {
        const dir = join(this.init.dir, 'export')
        const started = performance.now()
        const { bytes } = await this.store.exportTo(r.cid, dir, { name: 'data.bin' })
        const ms = performance.now() - started
        const sha256 = await hashFile(join(dir, 'data.bin'))
        await rm(dir, { recursive: true, force: true })
        return { ms, bytes, sha256 }
      })
      case 'tcp-serve': return await this.tcpServe()
      case 'tcp-copy': return await this.tcpCopy(r.port, r.bytes)
      case 'stream-serve': return await this.streamServe()
      case 'stream-copy': return await this.streamCopy(r.addr, r.bytes)
      case 'cpu': return { cpuMs: cpuMs() }
    }
  }

  /** Random bytes, hashed as they are written (never held whole in memory), then added. */
  private async add (bytes: number): Promise<Omit<TransferReply, 'id'>> {
    const hash = createHash('sha256')
    await pipeline(async function * () {
      for (let left = bytes; left > 0; left -= CHUNK) {
        const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(CHUNK, left)))
        hash.update(chunk)
        yield chunk
      }
    }, createWriteStream(this.source))
    const started = performance.now()
    const added = await this.store.addPath(this.source)
    return { cid: added.cid, ms: performance.now() - started, bytes: added.bytes, sha256: hash.digest('hex') }
  }

  private async tcpServe (): Promise<Omit<TransferReply, 'id'>> {
    const server = createServer(socket => {
      pipeline(createReadStream(this.source), socket).catch(() => { socket.destroy() })
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    server.unref()
    return { port: (server.address() as { port: number }).port }
  }

  /** Plain TCP into a file: the same disk write the fetch does, without encryption, muxing or bitswap. */
  private async tcpCopy (port: number, expected: number): Promise<Omit<TransferReply, 'id'>> {
    return await this.copyInto('tcp copy', async () => connect(port, '127.0.0.1'), expected)
  }

  /**
   * Times `open` and the copy of what it yields into a scratch file (removed after), and checks
   * the byte count; `ms` includes opening, as a fetch includes finding its peer.
   */
  private async copyInto (what: string, open: () => Promise<AsyncIterable<Uint8Array | { subarray: () => Uint8Array }>>, expected: number): Promise<Omit<TransferReply, 'id'>> {
    const target = join(this.init.dir, `${what.replace(' ', '-')}.bin`)
    const started = performance.now()
    let bytes = 0
    const source = await open()
    await pipeline(async function * () {
      for await (const chunk of source) {
        const b = chunk instanceof Uint8Array ? chunk : chunk.subarray()
        bytes += b.byteLength
        yield b
      }
    }, createWriteStream(target))
    const ms = performance.now() - started
    await rm(target, { force: true })
    if (bytes !== expected) throw new Error(`${what} got ${bytes} bytes, expected ${expected}`)
    return { ms, bytes }
  }

  private async streamServe (): Promise<Omit<TransferReply, 'id'>> {
    await this.node.handle(STREAM_PROTOCOL, async (stream: Stream) => {
      try {
        for await (const chunk of createReadStream(this.source)) await sendOnStream(stream, chunk as Buffer)
        await stream.close()
      } catch (err) {
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      }
    })
    return {}
  }

  /** One libp2p stream into a file: the same connection (Noise + yamux) a fetch uses, without bitswap or the blockstore. */
  private async streamCopy (addr: string, expected: number): Promise<Omit<TransferReply, 'id'>> {
    return await this.copyInto('stream copy', async () => await this.node.dialProtocol(multiaddr(addr), STREAM_PROTOCOL), expected)
  }
}

async function main (init: TransferPeerInit): Promise<void> {
  const node = await createP2P({
    privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [],
    orgKey: await orgKeyFromFile(init.orgKeyFile), mdns: false, iceServers: [],
    validators: { mc: async () => {} }, selectors: { mc: () => 0 }
  })
  await node.start()
  const store = await createContentStore({ node, dir: join(init.dir, 'content'), fetchConcurrency: init.fetchConcurrency })
  const peer = new TransferPeer(init, node, store)
  const stop = async (): Promise<void> => {
    await store.stop().catch(() => {})
    await Promise.resolve(node.stop()).catch(() => {})
    process.exit(0)
  }
  process.on('disconnect', () => { void stop() })
  process.on('message', (m: { id: number, request: TransferRequest } | { type: 'stop' }) => {
    if ('type' in m) { void stop(); return }
    peer.handle(m.request).then(
      reply => { send({ type: 'reply', reply: { ...reply, id: m.id } }) },
      (err: unknown) => { send({ type: 'reply', reply: { id: m.id, error: err instanceof Error ? err.message : String(err) } }) }
    )
  })
  send({ type: 'ready', addr: node.getMultiaddrs()[0]!.toString() })
}

main(JSON.parse(process.env[TRANSFER_PEER_ENV] ?? '{}') as TransferPeerInit).catch((err: unknown) => {
  send({ type: 'failed', error: err instanceof Error ? err.message : String(err) })
  process.exit(1)
})
