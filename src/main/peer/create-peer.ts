// The composition root: createPeer(config) wires every module, starts them in the written order
// below and stops them in reverse. It owns the one event bus.
import { hostname } from 'node:os'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { join } from 'node:path'
import { access } from 'node:fs/promises'
import {
  isTerminal, nodeMetaKey, taskSpecKey,
  type ApiEvent, type LendingView, type LogLine, type MCloudApi, type NodeLease, type NodeMeta, type PeerView, type PlacementAnswer, type StatusResponse, type WhyResponse
} from '../../shared/index.js'
import { startApiServer, type ApiServer } from '../api/index.js'
import { createContentStore } from '../data/index.js'
import { LeaseEngine, Membership, membershipWindowMs } from '../lease/index.js'
import { LogBook, LogStreamService, pruneLogFiles } from '../logs/index.js'
import {
  connectedPeerIds, createOrgKeyFile, createP2P, DEFAULT_ORG_KEY_FILE, GossipMesh, loadOrCreateIdentity, orgKeyFingerprint, orgKeyFromFile, PeerAccess, PeerDialer, type MCLibp2p
} from '../p2p/index.js'
import { dhtSelectors, dhtValidatorsFor, RecordStore, type OpenedRecord } from '../records/index.js'
import { defaultSettings, SettingsStore, SystemSampler } from '../resources/index.js'
import { isRunEnd, Scheduler, TaskBook } from '../scheduler/index.js'
import { PeerBus, type PeerEvent } from './bus.js'
import { DEFAULT_LEASE_TTL_MS, DEFAULT_LISTEN, VERSION, type PeerConfig } from './config.js'
import { lockDataDir } from './data-dir.js'
import { ApiError } from './errors.js'
import { watchPeerArrivals } from './peer-arrivals.js'
import { OWN_INDEX_FILE } from './constants.js'
import { GossipChannel } from './gossip.js'
import { TaskData } from './task-data.js'
import { PeerDirectory } from './peer-directory.js'
import { createPeerLogRelay } from './peer-log-relay.js'
import { Lending } from './lending.js'
import { Liveness } from './liveness.js'
import { metaChangeKey, nodeMeta } from './node-meta.js'
import { readSavedConfig } from './saved-config.js'
import { accessLists, settingsApi } from './settings-api.js'
import { TaskAdmission } from './task-admission.js'
import { RecordQuota } from './record-quota.js'
import { watchExecutor } from './executor-watch.js'
import { TaskService } from './task-service.js'
import { WhyService } from './why-service.js'
import { summarisePlacement } from './why-summary.js'

export interface Peer extends MCloudApi {
  readonly peerId: string
  readonly apiUrl: string | undefined
  readonly node: MCLibp2p
  readonly bus: PeerBus
  readonly scheduler: Scheduler
  readonly leases: LeaseEngine
  /** The organisation as this peer sees it: whether it reaches the majority lease writes need. */
  readonly membership: Membership
  readonly records: RecordStore
  readonly lending: Lending
  /** The machine is about to sleep or shut down: every running task is handed back at once, then a goodbye. */
  beforeSleep: () => Promise<string[]>
  /** The machine woke up: the others count this peer as a member again. */
  afterWake: () => void
  /** Graceful: hands running leases back, then stops everything in reverse start order. */
  stop: () => Promise<void>
}

export async function createPeer (config: PeerConfig): Promise<Peer> {
  const stops: Array<() => Promise<void> | void> = []
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await Promise.resolve().then(stop).catch(() => {})
    stops.length = 0
  }
  try {
    return await start(config, stops, stopAll)
  } catch (err) {
    await stopAll()
    throw err
  }
}

async function start (config: PeerConfig, stops: Array<() => Promise<void> | void>, stopAll: () => Promise<void>): Promise<Peer> {
  const startedAt = Date.now()
  // Settings saved from the UI; command-line flags (config) win over them.
  const saved = await readSavedConfig(config.dataDir)
  const name = config.name ?? saved.name ?? hostname()
  const bootstrap = config.bootstrap ?? saved.bootstrap ?? []
  const ttlMs = config.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS
  // 1. data dir lock, identity, organisation key
  stops.push(await lockDataDir(config.dataDir))
  const privateKey = await loadOrCreateIdentity(config.dataDir)
  const orgKeyFile = config.orgKeyFile ?? join(config.dataDir, DEFAULT_ORG_KEY_FILE)
  const orgKey = config.orgKeyFile === undefined && !await exists(orgKeyFile)
    ? await createOrgKeyFile(orgKeyFile)
    : await orgKeyFromFile(orgKeyFile)
  // The owner's allow/deny lists: one policy for connections (gater) and records (DHT, gossip, store).
  const peerId = peerIdFromPrivateKey(privateKey).toString()
  const access = new PeerAccess(peerId, accessLists(config, saved))
  const admits = (signer: string): boolean => access.admits(signer)
  const quota = new RecordQuota(peerId, { burst: config.taskLimits?.recordBurst, perMinute: config.taskLimits?.recordPerMinute })

  // 2. libp2p node
  const node = await createP2P({
    privateKey, orgKey, listen: config.listen ?? DEFAULT_LISTEN, bootstrap,
    mdns: config.mdns ?? true, relayServer: config.relayServer ?? true, validators: dhtValidatorsFor(admits), selectors: dhtSelectors,
    connectionGater: access.gater(config.connectionGater), admitNewRecord: quota.admitNew
  })
  const dialer = new PeerDialer(node, { shared: config.dialSlots })
  const bus = new PeerBus()
  const connectedPeers = (): number => membership.connectedIds().size
  // Every record that becomes the best known, however it arrived, flows to the tasks and peers views.
  let onBetter: (rec: OpenedRecord) => void = () => {}
  // The organisation as this peer sees it: lease writes only on the majority side of a split.
  const membership: Membership = new Membership(peerId, () => connectedPeerIds(node), {
    windowMs: config.membershipWindowMs ?? (() => membershipWindowMs(ttlMs, membership.size()))
  })
  const records = new RecordStore({
    dht: node.services.dht, privateKey, peerId, connectedPeers, members: () => membership.members(), connectedIds: () => membership.connectedIds(), admits
  }, { putQuorum: config.putQuorum, onBetter: rec => { onBetter(rec) } })
  // Full task output goes to <dataDir>/logs/<taskId>.log (capped); files untouched for a week go.
  const logDir = join(config.dataDir, 'logs')
  await pruneLogFiles(logDir, LOG_RETENTION_MS)
  const logs = new LogBook({ dir: logDir })
  stops.push(async () => { await logs.close() })
  const book = new TaskBook()
  // New tasks by gossip: a bounded rate per submitter; the rest is read later from its index.
  const admission: TaskAdmission = new TaskAdmission({ known: id => book.get(id) !== undefined, catchUp: async (s, max) => await tasks.catchUp(s, max) }, {
    burst: config.taskLimits?.acceptBurst, perMinute: config.taskLimits?.acceptPerMinute, catchUpMs: config.taskLimits?.catchUpMs
  })
  const gossip = new GossipChannel(node, records, rec => {
    const seq = (rec.value as { seq: number }).seq
    if (rec.parsed.kind === 'node-lease' && (rec.value as NodeLease).leaving === true) membership.left(rec.signer, seq)
    else membership.seen(rec.signer, seq)
  }, rec => admission.admit(rec))
  const announce = (bytes: Uint8Array, kind = 'task'): void => { gossip.announce(bytes, kind) }
  const leases = new LeaseEngine({ records, peerId, announce, majority: () => membership.hasMajority(), majorityForMs: () => membership.majorityForMs() }, { ttlMs, settleMs: config.claimSettleMs })
  const directory = new PeerDirectory(() => 3 * liveness.beatMs())
  // Whether the executor can take work now (Docker may be missing, or stop and come back).
  let executorReady = false
  // The owner's settings and what this machine can lend: the sampler runs whether or not this
  // peer lends, so status and the UI show the machine's load either way.
  const sampler = config.sampler ?? new SystemSampler()
  await sampler.start()
  stops.push(() => { sampler.stop() })
  const first = sampler.latest()
  const settings = await SettingsStore.open(config.dataDir, defaultSettings(first.cores, first.totalMemMb))
  const overrides = { ...config.sharing, ...(config.slots !== undefined ? { maxTasks: config.slots } : {}) }
  if (Object.keys(overrides).length > 0) await settings.update(overrides)
  let lastLendingKey = ''
  const lending = new Lending({
    settings, sampler, executor: config.executor, executorReady: () => executorReady, idleSource: config.idleSource, members: () => membership.view(),
    onChange: view => {
      bus.emit({ type: 'sharing:changed', lending: view })
      const key = metaChangeKey(view)
      if (key !== lastLendingKey) { lastLendingKey = key; announceMeta() }
    }
  })
  let metaSeq = Date.now()
  const myMeta = (): object => {
    metaSeq = Math.max(metaSeq + 1, Date.now())
    const addrs = node.getMultiaddrs().map(a => a.toString()).filter(a => a.length <= 300).slice(0, 16)
    return nodeMeta({ peerId, name, seq: metaSeq, view: lending.view(), idleCpuPct: 100 - sampler.latest().cpuBusyPct, dockerOk: executorReady && config.executor?.name === 'docker', addrs })
  }
  let lastHasRoom = false
  const hasRoom = (): boolean => lending.claiming() && lending.problem({ cpu: 0, memoryMb: 0, network: false }, scheduler.held()) === null
  // Signs of life and the goodbye; others rank providers by the meta, so a change of load goes out at once.
  const liveness = new Liveness({
    peerId, ttlMs, records, gossip, members: () => membership.size(), meta: myMeta, seqFloor: () => Math.max(Date.now(), metaSeq + 1)
  })
  const announceMeta = (): void => { liveness.announceMeta() }
  // Task inputs and outputs (task-data.ts): its content store opens on first use, never before node.start().
  const contentDir = join(config.dataDir, 'content')
  const taskData = new TaskData({
    store: async () => await createContentStore({ node, dir: contentDir, retainMs: config.data?.retainMs, log: warn }),
    contentDir, bus, outputsRoot: join(config.dataDir, 'outputs'), stallMs: config.data?.fetchStallMs,
    maxOutputBytes: () => { const mb = settings.get().maxTaskOutputMb; return mb === null || mb === undefined ? undefined : mb * 1024 * 1024 },
    task: async taskId => { await findTask(taskId); return tasks.view(taskId) },
    log: warn
  })
  const scheduler = new Scheduler({
    book, leases, records, executor: config.executor, placement: lending, peerId, taskData: taskData.hooks(),
    availableProviders: need => {
      // Only providers this peer is connected to: a crashed one drops its connections at once but
      // stays in the directory for three beats, and at the head of a task's ranking it would make
      // every live peer wait its turn (bench chaos, 40–60 % killed: expiry → re-claim p95 3.3 s).
      const up = membership.connectedIds()
      const list = directory.available(need).filter(id => id !== peerId && up.has(id))
      if (lending.claiming() && (need === undefined || lending.problem(need, scheduler.held()) === null)) list.push(peerId)
      return list
    },
    emit: (event) => {
      bus.emit(event)
      if (event.type === 'lease:claimed' || isRunEnd(event)) {
        // Rankers only care whether this peer has room: gossip when that flips, not on every task.
        const room = hasRoom()
        if (room !== lastHasRoom) { lastHasRoom = room; announceMeta() }
      }
      if (event.type === 'executor:log') {
        const line = logs.append({ taskId: event.taskId, epoch: event.epoch, stream: event.stream, line: event.line, at: Date.now() })
        for (const l of localLineListeners) l(line)
        bus.emit({ type: 'task:log', line })
      }
    }
  })
  lending.attach(scheduler)
  const localLineListeners = new Set<(line: LogLine) => void>()
  const logStream = new LogStreamService({
    node,
    logs,
    onLocalLine: listener => { localLineListeners.add(listener); return () => { localLineListeners.delete(listener) } },
    runEnded: async taskId => {
      if (!scheduler.heldLeases().some(l => l.taskId === taskId)) return
      await new Promise<void>(resolve => {
        const off = bus.on(e => {
          if (isRunEnd(e) && e.taskId === taskId) { off(); resolve() }
        })
      })
    }
  })
  // A task's output from whichever peer runs it: the copy of my tasks' runs kept here, and the
  // live stream of any task for API clients (WS /api/tasks/:id/logs).
  const relay = createPeerLogRelay({ peerId, logs, bus, logStream, tasks: () => tasks })
  const tasks: TaskService = new TaskService({
    records, leases, book, scheduler, bus, peerId, name, announce,
    onRemoteRunning: (taskId, holder, epoch) => { relay.keepCopy(taskId, holder, epoch) },
    addInputs: async paths => await taskData.addInputs(paths),
    outputsDir: taskId => taskData.outputsDir(taskId)
  }, {
    postBurst: config.taskLimits?.postBurst,
    postPerMinute: config.taskLimits?.postPerMinute,
    indexFile: join(config.dataDir, OWN_INDEX_FILE),
    warn
  })
  await tasks.loadSavedIndex()
  onBetter = rec => {
    config.onRecord?.(rec)
    if (rec.parsed.kind === 'node-meta') {
      const meta = rec.value as NodeMeta
      directory.observe(meta)
      // A member met through gossip but not connected (behind NAT: reachable over a relay) is dialled.
      if (meta.peerId !== peerId) dialer.enqueue(peerIdFromString(meta.peerId), meta.addrs.flatMap(a => { try { return [multiaddr(a)] } catch { return [] } }))
    } else tasks.onRecord(rec)
  }
  stops.push(() => { tasks.stop() })
  admission.start()
  stops.push(() => { admission.stop() })

  await node.start()
  stops.push(async () => { await node.stop() })
  await taskData.start()
  stops.push(async () => { await taskData.stop() })
  dialer.start()
  stops.push(() => { dialer.stop() })
  // New addresses (a relay reservation, a new interface) go out with the next meta at once.
  const onSelfUpdate = (): void => { announceMeta() }
  node.addEventListener('self:peer:update', onSelfUpdate)
  stops.push(() => { node.removeEventListener('self:peer:update', onSelfUpdate) })
  gossip.start()
  stops.push(() => { gossip.stop() })
  // Mesh forwarding only while this peer misses a member (p2p/gossip-mesh.ts): one it knows of
  // and is not connected to, one its dialer found and has not reached yet, or, for its first
  // seconds, any: a newcomer learns who the members are from the records it would otherwise miss.
  const mesh = new GossipMesh(node.services.pubsub, () => {
    const v = membership.view()
    return dialer.pending() === 0 && v.reachable >= v.known
  }, NEWCOMER_MESH_MS)
  mesh.start()
  stops.push(() => { mesh.stop() })
  await logStream.start()
  stops.push(async () => { relay.stop(); await logStream.stop() })

  // 3. peers appearing (peer-arrivals.ts)
  stops.push(watchPeerArrivals({ node, membership, bus, tasks, records, announceMeta, beatMs: () => liveness.beatMs(), connectedPeers }))

  // 4. liveness: node meta by gossip every beat (lease/membership.ts: spaced by the organisation's
  // size); my quiet tasks are re-read each ttl in case gossip missed their result.
  liveness.start()
  const refreshMine = setInterval(() => { void tasks.refreshMine() }, ttlMs)
  stops.push(() => { clearInterval(refreshMine); liveness.stop() })
  // Goodbye after the scheduler handed its tasks back (stops run in reverse).
  stops.push(async () => { await liveness.goodbye() })

  // 5. executor and provider loop; the executor's availability is re-checked every few seconds
  if (config.executor !== undefined) {
    stops.push(await watchExecutor(config.executor, () => executorReady, ready => { executorReady = ready; lastHasRoom = hasRoom(); void lending.tick() }))
  }
  scheduler.start()
  stops.push(async () => { await scheduler.stop() })
  lending.start()
  stops.push(() => { lending.stop() })

  // 6. "why isn't my task placed?": every peer answers for itself
  const me = { peerId, name: name.slice(0, 64) }
  const explain = async (taskId: string): Promise<PlacementAnswer> => {
    const known = book.get(taskId)
    let spec = known?.spec
    if (spec === undefined && known !== undefined) spec = (await records.get<'task-spec'>(taskSpecKey(taskId)).catch(() => ({ best: undefined }))).best?.value
    return lending.explain(taskId, spec, known?.state, me)
  }
  const why = new WhyService(node, explain)
  await why.start()
  stops.push(async () => { await why.stop() })

  const status = async (): Promise<StatusResponse> => ({
    peerId, name, version: VERSION, addrs: node.getMultiaddrs().map(a => a.toString()), peers: connectedPeers(),
    apiUrl: api?.url ?? '', dataDir: config.dataDir, orgFingerprint: orgKeyFingerprint(orgKey), leaseTtlMs: ttlMs,
    sharing: lending.view().effective, executor: executorLabel(config.executor?.name, executorReady), runningTasks: scheduler.runningCount, startedAt,
    role: config.control === undefined ? 'peer' : 'control',
    members: membership.view()
  })
  const findTask = async (taskId: string): Promise<void> => {
    if (tasks.view(taskId) === undefined) await tasks.refresh(taskId)
    if (tasks.view(taskId) === undefined) throw new ApiError('NotFoundError', `no task ${taskId}`)
  }
  const peerApi: MCloudApi = {
    status,
    peers: async (): Promise<PeerView[]> => node.getPeers().map(p => {
      const id = p.toString()
      const meta = directory.meta(id) ?? records.cached<'node-meta'>(nodeMetaKey(id))?.value ?? null
      return { peerId: id, addrs: node.getConnections(p).map(c => c.remoteAddr.toString()), connected: true, meta }
    }),
    listTasks: async () => tasks.list(),
    getTask: async (taskId) => { await findTask(taskId); return tasks.view(taskId)! },
    submitTask: async (req) => await tasks.submit(req),
    cancelTask: async (taskId) => await tasks.cancel(taskId),
    taskLogs: async (taskId) => {
      await findTask(taskId)
      const view = tasks.view(taskId)!
      return { taskId, lines: logs.lines(taskId), complete: isTerminal(view.status) }
    },
    whyTask: async (taskId): Promise<WhyResponse> => {
      await findTask(taskId)
      const view = tasks.view(taskId)!
      const answers = await why.askAll(node.getPeers(), taskId, id => directory.meta(id)?.name ?? id.slice(-8))
      return { taskId, status: view.status, summary: summarisePlacement(view.status, answers, view), answers }
    },
    downloadOutputs: async (taskId, request) => await taskData.downloadRequest(taskId, request),
    handBackTask: async (taskId) => {
      if (!scheduler.isRunning(taskId)) throw new ApiError('NotFoundError', `task ${taskId} is not running on this peer`)
      return { taskId, handedBack: await scheduler.handBack(taskId, 'handed back by the owner') }
    },
    sharing: async (): Promise<LendingView> => lending.view(),
    updateSharing: async (update) => await lending.update(update),
    stopNow: async () => ({ handedBack: await lending.stopNow() }),
    ...settingsApi({
      config, name, savedAtStart: saved, orgKey, orgKeyFile, listen: () => node.getMultiaddrs().map(a => a.toString()),
      dial: addr => { try { void node.dial(multiaddr(addr)).catch(() => {}) } catch { /* saved anyway; the next start tries again */ } },
      access,
      closeRefused: async () => {
        for (const id of membership.members()) if (!access.admits(id)) membership.forget(id)
        await access.closeRefused(node)
      }
    }),
    subscribe: (listener) => bus.on(e => { if (isApiEvent(e)) listener(e) })
  }

  // 7. local API last: once it answers, everything behind it works
  let api: ApiServer | undefined
  if (config.apiPort !== null) {
    api = await startApiServer(peerApi, { dataDir: config.dataDir, port: config.apiPort ?? 0, peerId, control: config.control,
      taskLogStream: async (taskId, onFrame, signal) => { await relay.stream(taskId, onFrame, signal) } })
    stops.push(async () => { await api?.close() })
  }

  return {
    ...peerApi, peerId, node, bus, scheduler, leases, membership, records, lending,
    beforeSleep: async () => {
      const handedBack = await scheduler.handBackAll('the lending computer is going to sleep')
      // Asleep, it is no member the others should wait for (nor a majority they need).
      await liveness.goodbye()
      return handedBack
    },
    afterWake: () => { liveness.hello() },
    get apiUrl () { return api?.url },
    stop: stopAll
  }
}

const LOG_RETENTION_MS = 7 * 24 * 3600 * 1000
/** A starting peer keeps a gossip mesh this long whatever it knows: its first walk of the DHT (which finds the other members) comes a second after its first connection. */
const NEWCOMER_MESH_MS = 15_000
const warn = (msg: string): void => { console.warn(`mcloud: ${msg}`) }

const API_EVENTS = new Set(['task:state', 'task:log', 'peer:connect', 'peer:disconnect', 'sharing:changed', 'transfer:progress'])
const isApiEvent = (e: PeerEvent): e is ApiEvent => API_EVENTS.has(e.type)

function executorLabel (name: string | undefined, ready: boolean): string {
  if (name === undefined) return 'none (submits and observes only)'
  return ready ? name : `${name} unavailable (claims nothing until it answers)`
}

async function exists (path: string): Promise<boolean> {
  try { await access(path); return true } catch { return false }
}
