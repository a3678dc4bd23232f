// The IPC design end to end without the Electron binary: ipc.ts (main) and preload.ts (renderer)
// wired back to back through a stand-in for electron's ipcMain / ipcRenderer / contextBridge.
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { API_METHODS, type ApiEvent, type MCloudApi } from '../../shared/index.js'
import { createFakeApi, type FakeApi } from '../api/fake-api.test-helper.js'

const UI_URL = 'file:///app/dist/ui/index.html'
type Handler = (event: unknown, ...args: unknown[]) => Promise<unknown>
type Listener = (event: unknown, payload: unknown) => void

const bridge = vi.hoisted(() => ({
  handlers: new Map<string, Handler>(),
  listeners: new Set<Listener>(),
  exposed: new Map<string, unknown>(),
  senderUrl: 'file:///app/dist/ui/index.html'
}))

// IPC copies values (structured clone) both ways, as Electron does.
vi.mock('electron', () => ({
  ipcMain: { handle: (channel: string, handler: Handler) => { bridge.handlers.set(channel, handler) } },
  ipcRenderer: {
    invoke: async (channel: string, ...args: unknown[]) => {
      const handler = bridge.handlers.get(channel)
      if (handler === undefined) throw new Error(`No handler registered for '${channel}'`)
      const event = { senderFrame: { url: bridge.senderUrl, parent: null } }
      return structuredClone(await handler(event, ...structuredClone(args)))
    },
    on: (_channel: string, listener: Listener) => { bridge.listeners.add(listener) },
    removeListener: (_channel: string, listener: Listener) => { bridge.listeners.delete(listener) }
  },
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => { bridge.exposed.set(key, api) } }
}))

const contents = {
  isDestroyed: () => false,
  send: vi.fn((_channel: string, payload: unknown) => { for (const l of bridge.listeners) l({}, structuredClone(payload)) })
}

let fake: FakeApi
let mcloud: MCloudApi
let push: (event: ApiEvent) => void

beforeAll(async () => {
  fake = createFakeApi()
  const { registerApiHandlers, EventForwarder } = await import('./ipc.js')
  registerApiHandlers(Promise.resolve(fake), UI_URL)
  push = new EventForwarder(() => contents as never).push
  await import('./preload.js')
  mcloud = bridge.exposed.get('mcloud') as MCloudApi
})

const tick = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

describe('window.mcloud over IPC', () => {
  it('exposes exactly the MCloudApi methods', () => {
    expect(Object.keys(mcloud).sort()).toEqual([...API_METHODS, 'subscribe'].sort())
  })

  it('answers a call with the peer\'s value', async () => {
    const { taskId } = await mcloud.submitTask({ image: 'busybox', command: ['echo', 'hi'] })
    expect((await mcloud.getTask(taskId)).taskId).toBe(taskId)
    expect((await mcloud.sharing()).settings.mode).toBe('on')
  })

  it('rejects a bad argument with its name and field intact', async () => {
    const err = await mcloud.submitTask({ image: 'busybox', command: ['true'], cpu: 0.01 }).catch((e: unknown) => e)
    // a plain object: an Error would reach the page as new Error(message), without name or field
    expect(err).not.toBeInstanceOf(Error)
    expect(err).toMatchObject({ name: 'ValidationError', field: 'cpu' })
    expect((err as { message: string }).message).toMatch(/^cpu: /)
    expect(await mcloud.getTask('nope').catch((e: unknown) => e)).toMatchObject({ name: 'ValidationError', field: 'taskId' })
  })

  it('refuses a frame that is not the app\'s page', async () => {
    bridge.senderUrl = 'https://evil.example/'
    try {
      expect(await mcloud.status().catch((e: unknown) => e)).toMatchObject({ name: 'UnauthorizedError' })
    } finally {
      bridge.senderUrl = UI_URL
    }
  })

  it('delivers events in order, in batches, until unsubscribed', async () => {
    const seen: string[] = []
    const off = mcloud.subscribe(event => { if (event.type === 'peer:connect') seen.push(event.peerId) })
    contents.send.mockClear()
    for (let i = 0; i < 1200; i++) push({ type: 'peer:connect', peerId: `p${i}` })
    await tick()
    expect(seen).toHaveLength(1200)
    expect(seen.slice(0, 3)).toEqual(['p0', 'p1', 'p2'])
    expect(seen.at(-1)).toBe('p1199')
    expect(contents.send).toHaveBeenCalledTimes(3)
    off()
    push({ type: 'peer:connect', peerId: 'late' })
    await tick()
    expect(seen).not.toContain('late')
  })

  it('keeps delivering after a listener throws', async () => {
    const seen: string[] = []
    const log = vi.spyOn(console, 'error').mockImplementation(() => {})
    const offBad = mcloud.subscribe(() => { throw new Error('broken view') })
    const off = mcloud.subscribe(event => { if (event.type === 'peer:disconnect') seen.push(event.peerId) })
    push({ type: 'peer:disconnect', peerId: 'a' })
    push({ type: 'peer:disconnect', peerId: 'b' })
    await tick()
    expect(seen).toEqual(['a', 'b'])
    offBad(); off(); log.mockRestore()
  })
})
