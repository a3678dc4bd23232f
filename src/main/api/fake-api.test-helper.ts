// An in-memory MCloudApi for the API and CLI unit tests (never used outside tests).
import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import type { ApiEvent, MCloudApi, PeerConfigView, SubmitTaskRequest, TaskView } from '../../shared/api.js'
import { isTerminal } from '../../shared/task-state.js'
import { DEFAULT_TASK_POLICY, type LendingView, type SharingSettings } from '../../shared/sharing.js'
import { afterEach, beforeEach } from 'vitest'
import { startApiServer, type ApiServer } from './server.js'

export const FAKE_PEER_ID = '12D3KooWFakePeerFakePeerFakePeerFakePeerFakePeer1'
/** What every fake download of outputs brings (reported in two halves, then done). */
export const FAKE_OUTPUT_BYTES = 40_000_000

/** A well-formed CIDv1 (base32) made from `seed`: sha256 hex, its 0 1 8 9 mapped into base32's alphabet. */
export const fakeCid = (seed: string): string =>
  'bafy' + createHash('sha256').update(seed).digest('hex').replace(/[0189]/g, (d) => 'wxyz'['0189'.indexOf(d)]!)

export interface FakeApi extends MCloudApi {
  emit: (event: ApiEvent) => void
  tasks: Map<string, TaskView>
  listenerCount: () => number
  /** When set, the next call of this method throws it. */
  failNext: { method?: keyof MCloudApi, error?: Error }
}

export function createFakeApi (): FakeApi {
  const listeners = new Set<(event: ApiEvent) => void>()
  const tasks = new Map<string, TaskView>()
  const failNext: FakeApi['failNext'] = {}
  const maybeFail = (method: keyof MCloudApi): void => {
    if (failNext.method === method && failNext.error !== undefined) {
      const err = failNext.error
      failNext.method = undefined
      failNext.error = undefined
      throw err
    }
  }
  const notFound = (taskId: string): Error => Object.assign(new Error(`no task ${taskId}`), { name: 'NotFoundError' })
  const get = (taskId: string): TaskView => {
    const t = tasks.get(taskId)
    if (t === undefined) throw notFound(taskId)
    return t
  }
  const emit = (event: ApiEvent): void => { for (const l of listeners) l(event) }
  let settings: SharingSettings = {
    mode: 'on', snooze: null, maxCpu: 2, maxMemoryMb: 1024, maxTasks: 2, allowNetwork: false,
    idleStartMin: 15, idleResumeMin: 5, handBackMin: 10, maxOwnerCpuPct: 25, ...DEFAULT_TASK_POLICY
  }
  let config: PeerConfigView = { dataDir: '/tmp/x', name: 'fake', bootstrap: [], dockerHost: null, orgFingerprint: 'abcd', listen: [], restartRequired: false, denyPeers: [], allowPeers: [], accessInForce: { deny: [], allow: [] } }
  const lending = (): LendingView => ({
    settings, effective: settings.snooze !== null ? 'snoozed' : settings.mode, claiming: settings.mode === 'on' && settings.snooze === null,
    reason: settings.mode === 'paused' ? 'paused by the owner' : 'lending', cores: 2, ownerCpuPct: 5, availableMemMb: 4000,
    lendableCpu: 2, lendableMemMb: 1024, heldCpu: 0, heldMemMb: 0, runningTasks: 0, suspendedTasks: 0, userIdleSec: null
  })

  return {
    tasks,
    failNext,
    emit,
    listenerCount: () => listeners.size,
    status: async () => {
      maybeFail('status')
      return {
        peerId: FAKE_PEER_ID, name: 'fake', version: '0.1.0', addrs: [`/ip4/127.0.0.1/tcp/1/p2p/${FAKE_PEER_ID}`],
        peers: 0, apiUrl: '', dataDir: '/tmp/x', orgFingerprint: 'abcd', leaseTtlMs: 10_000, sharing: 'on',
        executor: 'fake', runningTasks: 0, startedAt: 0, role: 'peer'
      }
    },
    peers: async () => { maybeFail('peers'); return [] },
    listTasks: async () => { maybeFail('listTasks'); return [...tasks.values()] },
    getTask: async (taskId) => { maybeFail('getTask'); return get(taskId) },
    submitTask: async (req: SubmitTaskRequest) => {
      maybeFail('submitTask')
      const taskId = createHash('sha256').update(JSON.stringify(req) + String(tasks.size)).digest('hex')
      const view: TaskView = {
        taskId, status: 'queued', epoch: 0, holder: null, attempts: 0, exitCode: null, error: null,
        submitter: FAKE_PEER_ID, submitterName: 'fake', image: req.image, command: req.command, cpu: req.cpu ?? 1, memoryMb: req.memoryMb ?? 256,
        timeoutSec: req.timeoutSec ?? 3600, mine: true, runningHere: false, runningHereSince: null, createdAt: Date.now(), updatedAt: Date.now(),
        inputs: (req.inputPaths ?? []).map((path) => ({ name: basename(path), cid: fakeCid(path), bytes: 1024 })),
        resultCid: null, outputsDir: null
      }
      tasks.set(taskId, view)
      emit({ type: 'task:state', task: view })
      return { taskId }
    },
    cancelTask: async (taskId) => {
      maybeFail('cancelTask')
      const t = get(taskId)
      if (t.status === 'succeeded' || t.status === 'failed') {
        throw Object.assign(new Error('task already finished'), { name: 'ConflictError' })
      }
      const next: TaskView = { ...t, status: 'cancelled' }
      tasks.set(taskId, next)
      emit({ type: 'task:state', task: next })
      return { taskId, status: 'cancelled' }
    },
    taskLogs: async (taskId) => {
      maybeFail('taskLogs')
      get(taskId)
      return { taskId, lines: [{ taskId, epoch: 1, stream: 'stdout', line: 'hello', at: 1 }], complete: false }
    },
    whyTask: async (taskId) => {
      maybeFail('whyTask')
      const t = get(taskId)
      return {
        taskId, status: t.status, summary: 'no peer can take it now — fake: paused by the owner',
        answers: [{ peerId: FAKE_PEER_ID, name: 'fake', code: 'paused', message: 'paused by the owner' }]
      }
    },
    handBackTask: async (taskId) => { maybeFail('handBackTask'); get(taskId); return { taskId, handedBack: false } },
    downloadOutputs: async (taskId, request = {}) => {
      maybeFail('downloadOutputs')
      const t = get(taskId)
      if (!isTerminal(t.status)) throw Object.assign(new Error(`task ${taskId} has not finished (${t.status})`), { name: 'ConflictError' })
      if (t.resultCid === null) throw Object.assign(new Error(`task ${taskId} left no outputs`), { name: 'NotFoundError' })
      const total = FAKE_OUTPUT_BYTES
      for (const bytes of [total / 2, total]) {
        emit({ type: 'transfer:progress', taskId, direction: 'outputs', bytes, total, done: bytes === total })
        // Longer than the events socket's flush interval, so a client sees progress before the answer.
        await new Promise((resolve) => setTimeout(resolve, 30))
      }
      const dir = request.dir ?? `${config.dataDir}/outputs/${taskId}`
      const next: TaskView = { ...t, outputsDir: dir }
      tasks.set(taskId, next)
      emit({ type: 'task:state', task: next })
      return { taskId, cid: t.resultCid, dir, bytes: total }
    },
    sharing: async () => { maybeFail('sharing'); return lending() },
    updateSharing: async (update) => {
      maybeFail('updateSharing')
      settings = { ...settings, ...update }
      emit({ type: 'sharing:changed', lending: lending() })
      return lending()
    },
    stopNow: async () => { maybeFail('stopNow'); settings = { ...settings, mode: 'paused' }; return { handedBack: [] } },
    config: async () => { maybeFail('config'); return config },
    updateConfig: async (update) => { maybeFail('updateConfig'); config = { ...config, ...update, restartRequired: true }; return config },
    exportOrgKey: async () => { maybeFail('exportOrgKey'); return { fingerprint: 'abcd', key: 'mcloud-org-key-fake', restartRequired: false } },
    importOrgKey: async ({ key }) => { maybeFail('importOrgKey'); return { fingerprint: key.slice(0, 4), key, restartRequired: true } },
    generateOrgKey: async () => { maybeFail('generateOrgKey'); return { fingerprint: 'ffff', key: 'mcloud-org-key-new', restartRequired: true } },
    subscribe: (listener) => {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    }
  }
}

/**
 * A fresh fake API served over HTTP for each test of the enclosing describe (closed after it), the
 * running peer the CLI talks to; `dataDir()` is read per test, where the CLI finds api.json.
 */
export function serveFakeApiEachTest (dataDir: () => string): { api: FakeApi, server: ApiServer } {
  const served = {} as { api: FakeApi, server: ApiServer }
  beforeEach(async () => {
    served.api = createFakeApi()
    served.server = await startApiServer(served.api, { dataDir: dataDir() })
  })
  afterEach(async () => { await served.server.close() })
  return served
}
