import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SharingSettings, SharingUpdate } from '../../shared/index.js'
import { defaultSettings } from './capacity.js'
import { SettingsError } from './errors.js'
import { SettingsStore } from './settings-store.js'
import { taskPolicyProblem } from './task-policy.js'

const settings = (over: Partial<SharingSettings> = {}): SharingSettings => ({ ...defaultSettings(4, 16384), ...over })
const task = (over: Partial<{ image: string, cpu: number, memoryMb: number, timeoutSec: number, network: boolean, inputs: Array<{ bytes: number }> }> = {}) =>
  ({ image: 'mcloud-test/busybox', cpu: 1, memoryMb: 256, timeoutSec: 3600, network: false, ...over })

describe('the per-task policy', () => {
  it('a fresh install accepts every image, size (within its totals) and run time', () => {
    expect(taskPolicyProblem(task({ image: 'docker.io/evil:latest', cpu: 4, memoryMb: 8192, timeoutSec: 7 * 86400 }), settings())).toBeNull()
  })

  it('declines an image outside the allow-list, naming the image and what is allowed', () => {
    const s = settings({ allowedImages: ['mcloud-test/*', 'python:3.*'] })
    expect(taskPolicyProblem(task({ image: 'docker.io/evil:latest' }), s)).toEqual({
      code: 'image-not-allowed', message: 'image docker.io/evil:latest is not allowed here (allowed: mcloud-test/*, python:3.*)'
    })
    expect(taskPolicyProblem(task({ image: 'python:3.12' }), s)).toBeNull()
    const many = settings({ allowedImages: ['a/*', 'b/*', 'c/*', 'd/*'] })
    expect(taskPolicyProblem(task({ image: 'e/x' }), many)?.message).toBe('image e/x is not allowed here (allowed: a/*, b/*, c/*, …)')
  })

  it('declines a task whose timeout is longer than the owner allows; an equal one is fine', () => {
    const s = settings({ maxTaskTimeSec: 1800 })
    expect(taskPolicyProblem(task({ timeoutSec: 3600 }), s)).toEqual({
      code: 'too-long', message: 'may run 1 h (its timeout); this peer runs one task for at most 30 min'
    })
    expect(taskPolicyProblem(task({ timeoutSec: 1800 }), s)).toBeNull()
    // values that round to the same words are shown exactly
    expect(taskPolicyProblem(task({ timeoutSec: 3601 }), settings({ maxTaskTimeSec: 3600 }))?.message)
      .toBe('may run 3601 s (its timeout); this peer runs one task for at most 3600 s')
  })

  it('declines a task bigger than the per-task caps, naming the cap as per task', () => {
    const s = settings({ maxTaskCpu: 1, maxTaskMemoryMb: 1024 })
    expect(taskPolicyProblem(task({ cpu: 2 }), s)).toEqual({ code: 'too-much-cpu', message: 'needs 2 CPUs; this peer lends at most 1 CPU per task' })
    expect(taskPolicyProblem(task({ memoryMb: 2048 }), s)).toEqual({ code: 'too-much-memory', message: 'needs 2 GiB memory; this peer lends at most 1 GiB per task' })
    expect(taskPolicyProblem(task({ memoryMb: 1025 }), s)?.message).toBe('needs 1025 MiB memory; this peer lends at most 1024 MiB per task')
    expect(taskPolicyProblem(task({ cpu: 1, memoryMb: 1024 }), s)).toBeNull()
  })

  it('declines a task whose inputs together are more than the owner takes, in plain sizes', () => {
    const s = settings({ maxTaskInputMb: 500 })
    const mib = 2 ** 20
    expect(taskPolicyProblem(task({ inputs: [{ bytes: 1024 * mib }, { bytes: 0.2 * 1024 * mib }] }), s)).toEqual({
      code: 'inputs-too-big', message: 'its inputs (1.2 GiB) exceed this peer\'s limit of 500 MiB'
    })
    expect(taskPolicyProblem(task({ inputs: [{ bytes: 300 * mib }, { bytes: 200 * mib }] }), s)).toBeNull()
    expect(taskPolicyProblem(task({ inputs: [] }), s)).toBeNull()
    expect(taskPolicyProblem(task(), s)).toBeNull()
    // sizes that round to the same words are shown exactly
    expect(taskPolicyProblem(task({ inputs: [{ bytes: 500 * mib + 1 }] }), s)?.message)
      .toBe('its inputs (524288001 bytes) exceed this peer\'s limit of 524288000 bytes')
    // no cap of the owner's own: any inputs the spec may carry
    expect(taskPolicyProblem(task({ inputs: [{ bytes: 2 ** 40 }] }), settings())).toBeNull()
  })

  it('the "any free slot" probe (no image, no run time) is never declined by image or run time', () => {
    const s = settings({ allowedImages: ['mcloud-test/*'], maxTaskTimeSec: 60 })
    expect(taskPolicyProblem({ cpu: 0, memoryMb: 0, network: false }, s)).toBeNull()
  })
})

describe('per-task settings: validation names the field', () => {
  let dir: string
  let store: SettingsStore
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mc-task-policy-'))
    store = await SettingsStore.open(dir, defaultSettings(4, 16384))
  })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  const rejects = async (update: SharingUpdate, field: string, message: RegExp): Promise<void> => {
    const err = await store.update(update).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(SettingsError)
    expect(err).toMatchObject({ field })
    expect((err as Error).message).toMatch(message)
  }

  it('refuses a bad pattern, quoting it', async () => {
    await rejects({ allowedImages: ['mcloud-test/*', 'python 3'] }, 'allowedImages.1', /^allowedImages: "python 3" may hold only .*no spaces/)
    await rejects({ allowedImages: [''] }, 'allowedImages.0', /^allowedImages: "" is empty$/)
    await rejects({ allowedImages: 'busybox' as unknown as string[] }, 'allowedImages', /allowedImages must be a list of image patterns/)
  })

  it('refuses negative, zero or fractional caps', async () => {
    await rejects({ maxTaskCpu: -1 }, 'maxTaskCpu', /maxTaskCpu must be more than 0/)
    await rejects({ maxTaskCpu: 0 }, 'maxTaskCpu', /maxTaskCpu must be more than 0/)
    await rejects({ maxTaskMemoryMb: -5 }, 'maxTaskMemoryMb', /maxTaskMemoryMb must be at least 16 MiB/)
    await rejects({ maxTaskMemoryMb: 1.5 }, 'maxTaskMemoryMb', /maxTaskMemoryMb must be whole MiB/)
    await rejects({ maxTaskTimeSec: -60 }, 'maxTaskTimeSec', /maxTaskTimeSec must be at least 1 s/)
    await rejects({ maxTaskTimeSec: 8 * 86400 }, 'maxTaskTimeSec', /maxTaskTimeSec must be at most 7 days/)
    await rejects({ maxTaskInputMb: 0 }, 'maxTaskInputMb', /maxTaskInputMb must be at least 1 MiB/)
    await rejects({ maxTaskInputMb: 1.5 }, 'maxTaskInputMb', /maxTaskInputMb must be whole MiB/)
    await rejects({ maxTaskInputMb: 2 * 1024 * 1024 }, 'maxTaskInputMb', /maxTaskInputMb must be at most 1 TiB/)
    await rejects({ maxTaskOutputMb: -1 }, 'maxTaskOutputMb', /maxTaskOutputMb must be at least 1 MiB/)
    await rejects({ maxTaskOutputMb: 512 }, 'maxTaskOutputMb', /maxTaskOutputMb must be at most 256 MiB \(the size of a task's \/output\)/)
  })

  it('saves a good policy, and null lifts a cap again', async () => {
    await store.update({ allowedImages: ['mcloud-test/*'], maxTaskCpu: 1.5, maxTaskMemoryMb: 512, maxTaskTimeSec: 600 })
    const saved = JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8')) as SharingSettings
    expect(saved).toMatchObject({ allowedImages: ['mcloud-test/*'], maxTaskCpu: 1.5, maxTaskMemoryMb: 512, maxTaskTimeSec: 600 })
    expect((await store.update({ maxTaskCpu: null, allowedImages: [] })).maxTaskCpu).toBeNull()
  })

  it('a settings file from before the per-task policy opens with every image allowed and no caps', async () => {
    const older = { ...defaultSettings(4, 16384) } as Partial<SharingSettings>
    for (const k of ['allowedImages', 'maxTaskCpu', 'maxTaskMemoryMb', 'maxTaskTimeSec'] as const) Reflect.deleteProperty(older, k)
    await writeFile(join(dir, 'settings.json'), JSON.stringify(older))
    const reopened = await SettingsStore.open(dir, defaultSettings(4, 16384))
    expect(reopened.get()).toMatchObject({ allowedImages: [], maxTaskCpu: null, maxTaskMemoryMb: null, maxTaskTimeSec: null })
  })

  it('a settings file from before the input and output caps keeps its policy and opens with no such cap', async () => {
    const older = { ...defaultSettings(4, 16384), allowedImages: ['mcloud-test/*'], maxTaskTimeSec: 600 } as Partial<SharingSettings>
    for (const k of ['maxTaskInputMb', 'maxTaskOutputMb'] as const) Reflect.deleteProperty(older, k)
    await writeFile(join(dir, 'settings.json'), JSON.stringify(older))
    const reopened = await SettingsStore.open(dir, defaultSettings(4, 16384))
    expect(reopened.get()).toMatchObject({ allowedImages: ['mcloud-test/*'], maxTaskTimeSec: 600, maxTaskInputMb: null, maxTaskOutputMb: null })
    // and the next save writes them
    await reopened.update({ maxTaskInputMb: 500, maxTaskOutputMb: 64 })
    expect(JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8'))).toMatchObject({ maxTaskInputMb: 500, maxTaskOutputMb: 64, maxTaskTimeSec: 600 })
  })
})
