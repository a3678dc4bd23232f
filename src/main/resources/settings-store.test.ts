import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SharingSettings, SharingUpdate } from '../../shared/index.js'
import { defaultSettings } from './capacity.js'
import { SettingsError, SettingsFileError } from './errors.js'
import { SettingsStore } from './settings-store.js'

const defaults = defaultSettings(4, 16384)
let dir: string
const file = (): string => join(dir, 'settings.json')
const writeSettings = async (value: unknown): Promise<void> => { await writeFile(file(), JSON.stringify(value)) }
const onDisk = async (): Promise<SharingSettings> => JSON.parse(await readFile(file(), 'utf8'))

beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'mc-settings-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

describe('SettingsStore.open', () => {
  it('starts from the defaults when there is no file, and writes them (owner-only)', async () => {
    const store = await SettingsStore.open(dir, defaults)
    expect(store.get()).toEqual(defaults)
    expect(await onDisk()).toEqual(defaults)
    expect((await stat(file())).mode & 0o777).toBe(0o600)
  })

  it('creates a missing data dir', async () => {
    const nested = join(dir, 'a', 'b')
    await SettingsStore.open(nested, defaults)
    expect(JSON.parse(await readFile(join(nested, 'settings.json'), 'utf8'))).toEqual(defaults)
  })

  it('fills keys an older version did not write from the defaults', async () => {
    await writeSettings({ mode: 'paused', maxCpu: 1 })
    const store = await SettingsStore.open(dir, defaults)
    expect(store.get()).toEqual({ ...defaults, mode: 'paused', maxCpu: 1 })
  })

  it('refuses a file that fails the schema, naming the file and the field', async () => {
    await writeSettings({ ...defaults, maxCpu: -1 })
    const err = await SettingsStore.open(dir, defaults).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SettingsFileError)
    expect((err as SettingsFileError).message).toBe(`${file()}: maxCpu must be at least 0`)
    expect((err as SettingsFileError).field).toBe('maxCpu')
  })

  it('names the field even where the schema message does not', async () => {
    await writeSettings({ ...defaults, mode: 'always' })
    await expect(SettingsStore.open(dir, defaults)).rejects.toThrow(/settings\.json: mode: /)
    await writeSettings({ ...defaults, snooze: { until: 'soon' } })
    await expect(SettingsStore.open(dir, defaults)).rejects.toThrow(/settings\.json: snooze\.until: /)
  })

  it('refuses settings it does not know (a newer version), naming them', async () => {
    await writeSettings({ ...defaults, maxGpu: 1, quietHours: [] })
    await expect(SettingsStore.open(dir, defaults)).rejects.toThrow(/settings\.json: unknown settings maxGpu, quietHours/)
  })

  it('refuses a file that is not JSON or not an object', async () => {
    await writeFile(file(), '{"mode": "on",')
    await expect(SettingsStore.open(dir, defaults)).rejects.toThrow(/settings\.json: is not valid JSON/)
    await writeFile(file(), '[]')
    await expect(SettingsStore.open(dir, defaults)).rejects.toThrow(/settings\.json: must hold a JSON object/)
  })
})

describe('SettingsStore.update', () => {
  it('merges, saves atomically and survives a reopen', async () => {
    const store = await SettingsStore.open(dir, defaults)
    const next = await store.update({ mode: 'idle-only', maxTasks: 1, snooze: { until: 1_700_000_000_000 } })
    expect(next).toEqual({ ...defaults, mode: 'idle-only', maxTasks: 1, snooze: { until: 1_700_000_000_000 } })
    expect(store.get()).toEqual(next)
    expect((await SettingsStore.open(dir, defaults)).get()).toEqual(next)
    expect(await readdir(dir)).toEqual(['settings.json'])
    expect((await stat(file())).mode & 0o777).toBe(0o600)
  })

  it('clears a snooze with null', async () => {
    const store = await SettingsStore.open(dir, defaults)
    await store.update({ snooze: { until: null } })
    expect((await store.update({ snooze: null })).snooze).toBeNull()
  })

  it('refuses a bad update with a SettingsError naming the field, and changes nothing', async () => {
    const store = await SettingsStore.open(dir, defaults)
    const err = await store.update({ maxTasks: 1.5 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SettingsError)
    expect(err).toMatchObject({ name: 'SettingsError', field: 'maxTasks', message: 'maxTasks must be a whole number' })
    await expect(store.update({ mode: 'snoozed' } as unknown as SharingUpdate)).rejects.toMatchObject({ field: 'mode' })
    await expect(store.update({ idleStartMin: -1 })).rejects.toMatchObject({ field: 'idleStartMin', message: 'idleStartMin must be at least 0 minutes' })
    await expect(store.update({ turbo: true } as unknown as SharingUpdate)).rejects.toMatchObject({ field: 'turbo', message: 'unknown setting turbo' })
    expect(store.get()).toEqual(defaults)
    expect(await onDisk()).toEqual(defaults)
  })

  it('applies concurrent updates one after another, none lost', async () => {
    const store = await SettingsStore.open(dir, defaults)
    const results = await Promise.all([
      store.update({ maxTasks: 1 }),
      store.update({ maxCpu: 1.5 }),
      store.update({ maxTasks: 3 }),
      store.update({ maxTasks: -1 }).catch(() => 'refused'),
      store.update({ allowNetwork: true })
    ])
    expect(results[3]).toBe('refused')
    const final = { ...defaults, maxTasks: 3, maxCpu: 1.5, allowNetwork: true }
    expect(results[4]).toEqual(final)
    expect(store.get()).toEqual(final)
    expect(await onDisk()).toEqual(final)
  })

  it('hands out settings nobody can change behind its back: only update() changes the store', async () => {
    const store = await SettingsStore.open(dir, defaults)
    const got = store.get()
    expect(() => { got.maxCpu = 99 }).toThrow(TypeError)
    expect(store.get().maxCpu).toBe(defaults.maxCpu)
    const updated = await store.update({ maxCpu: 1 })
    expect(() => { updated.maxCpu = 99 }).toThrow(TypeError)
    expect(store.get().maxCpu).toBe(1)
  })
})
