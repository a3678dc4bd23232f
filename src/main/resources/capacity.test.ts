import { describe, expect, it } from 'vitest'
import { DEFAULT_IDLE_POLICY, type SharingSettings } from '../../shared/index.js'
import { defaultSettings, fitProblem, formatCpu, formatMemory, lendable, loadBackoffMs, ownerCpuPct, type Lendable } from './capacity.js'
import type { ResourceSample } from './sampler.js'

const sample = (over: Partial<ResourceSample> = {}): ResourceSample =>
  ({ at: 0, cores: 4, cpuBusyPct: 0, ownCpuPct: 0, availableMemMb: 8192, totalMemMb: 16384, ...over })
const settings = (over: Partial<SharingSettings> = {}): SharingSettings => ({ ...defaultSettings(4, 16384), ...over })
const idle = { cpu: 0, memoryMb: 0, tasks: 0 }
const room = (over: Partial<Lendable> = {}): Lendable => ({ cpu: 4, memoryMb: 8192, slots: 4, ...over })
const request = (cpu: number, memoryMb: number, network = false): { cpu: number, memoryMb: number, network: boolean } => ({ cpu, memoryMb, network })

describe('defaultSettings', () => {
  it('lends every core and half the memory, on, without network, to any image with no per-task caps', () => {
    expect(defaultSettings(2, 24_577)).toEqual({
      mode: 'on', snooze: null, maxCpu: 2, maxMemoryMb: 12_288, maxTasks: 2, allowNetwork: false, ...DEFAULT_IDLE_POLICY,
      allowedImages: [], maxTaskCpu: null, maxTaskMemoryMb: null, maxTaskTimeSec: null, maxTaskInputMb: null, maxTaskOutputMb: null
    })
  })

  it('allows at least one task', () => {
    expect(defaultSettings(0, 1024).maxTasks).toBe(1)
  })
})

describe('ownerCpuPct', () => {
  it('leaves out this process and what the tasks hold', () => {
    // 80% busy, 10% is the peer itself, one of four cores (25%) is held by a task
    expect(ownerCpuPct(sample({ cpuBusyPct: 80, ownCpuPct: 10 }), 1)).toBe(45)
  })

  it('never goes below 0 when tasks hold more than is busy', () => {
    expect(ownerCpuPct(sample({ cores: 2, cpuBusyPct: 20, ownCpuPct: 5 }), 2)).toBe(0)
  })

  it('stays within 0–100', () => {
    expect(ownerCpuPct(sample({ cpuBusyPct: 100 }), 0)).toBe(100)
  })
})

describe('lendable', () => {
  it('lends the cores the owner leaves free, minus what tasks hold', () => {
    const s = sample({ cpuBusyPct: 50, availableMemMb: 6144 })
    // owner: 50% − 25% held = 25% of 4 cores → 3 free, 1 already held → 2
    expect(lendable(settings(), s, { cpu: 1, memoryMb: 2048, tasks: 1 })).toEqual({ cpu: 2, memoryMb: 6144, slots: 3 })
  })

  it('rounds CPU down to a tenth', () => {
    expect(lendable(settings(), sample({ cores: 2, cpuBusyPct: 33 }), idle).cpu).toBe(1.3)
    expect(lendable(settings(), sample({ cores: 2, cpuBusyPct: 25 }), idle).cpu).toBe(1.5)
  })

  it('keeps to the owner caps', () => {
    const s = sample({ availableMemMb: 10_000 })
    const got = lendable(settings({ maxCpu: 1.5, maxMemoryMb: 4096, maxTasks: 2 }), s, { cpu: 0.5, memoryMb: 3000, tasks: 1 })
    expect(got).toEqual({ cpu: 1, memoryMb: 1096, slots: 1 })
  })

  it('counts memory the tasks use as lendable to them, within the cap', () => {
    // 1 GiB free on the machine, tasks use 3 GiB of a 4 GiB cap → 1 GiB more
    expect(lendable(settings({ maxMemoryMb: 4096 }), sample({ availableMemMb: 1024 }), { cpu: 0, memoryMb: 3072, tasks: 1 }).memoryMb).toBe(1024)
  })

  it('never goes negative', () => {
    const got = lendable(settings({ maxCpu: 1, maxMemoryMb: 1024, maxTasks: 1 }), sample({ cpuBusyPct: 100, availableMemMb: 0 }), { cpu: 2, memoryMb: 2048, tasks: 3 })
    expect(got).toEqual({ cpu: 0, memoryMb: 0, slots: 0 })
  })
})

describe('fitProblem', () => {
  it('is null when the task fits', () => {
    expect(fitProblem(request(1, 512), settings(), room())).toBeNull()
    expect(fitProblem(request(1, 512, true), settings({ allowNetwork: true }), room())).toBeNull()
    expect(fitProblem(request(1.5, 512), settings(), room({ cpu: 1.5 }))).toBeNull()
  })

  it('explains memory and CPU shortfalls in plain words', () => {
    expect(fitProblem(request(1, 8192), settings(), room({ memoryMb: 3072 })))
      .toEqual({ code: 'too-much-memory', message: 'needs 8 GiB memory but 3 GiB is lendable here' })
    expect(fitProblem(request(4, 512), settings(), room({ cpu: 1.5 })))
      .toEqual({ code: 'too-much-cpu', message: 'needs 4 CPUs but 1.5 are lendable here' })
    expect(fitProblem(request(2, 512), settings(), room({ cpu: 1 }))?.message).toBe('needs 2 CPUs but 1 is lendable here')
    expect(fitProblem(request(1, 1536), settings(), room({ memoryMb: 512 }))?.message).toBe('needs 1.5 GiB memory but 512 MiB is lendable here')
  })

  it('shows exact MiB when both sizes round to the same text', () => {
    expect(fitProblem(request(1, 4096), settings(), room({ memoryMb: 4050 }))?.message).toBe('needs 4096 MiB memory but 4050 MiB is lendable here')
  })

  it('refuses network unless the owner allows it', () => {
    expect(fitProblem(request(1, 512, true), settings(), room()))
      .toEqual({ code: 'network-not-allowed', message: 'asks for network access; this peer does not allow it' })
  })

  it('says when every slot is taken', () => {
    expect(fitProblem(request(1, 512), settings({ maxTasks: 2 }), room({ slots: 0 })))
      .toEqual({ code: 'no-free-slot', message: 'already runs 2 tasks (its limit)' })
    expect(fitProblem(request(1, 512), settings({ maxTasks: 0 }), room({ slots: 0 }))?.message).toBe('runs no tasks (its limit is 0)')
  })

  it('says when a request is above the cap itself, whatever the load', () => {
    expect(fitProblem(request(1, 8192), settings({ maxMemoryMb: 4096 }), room({ memoryMb: 0, slots: 0 })))
      .toEqual({ code: 'too-much-memory', message: 'needs 8 GiB memory; this peer lends at most 4 GiB' })
    expect(fitProblem(request(3, 512), settings({ maxCpu: 2 }), room()))
      .toEqual({ code: 'too-much-cpu', message: 'needs 3 CPUs; this peer lends at most 2 CPUs' })
    expect(fitProblem(request(1, 512), settings({ maxCpu: 0 }), room())?.message).toBe('needs 1 CPU; this peer lends no CPU')
  })
})

describe('formatting', () => {
  it('prints sizes in MiB under 1 GiB and GiB with one decimal above', () => {
    expect([512, 1023, 1024, 1536, 8192, 1126].map(formatMemory)).toEqual(['512 MiB', '1023 MiB', '1 GiB', '1.5 GiB', '8 GiB', '1.1 GiB'])
  })

  it('prints CPUs with their plural', () => {
    expect([1, 0.5, 2, 0.25].map(formatCpu)).toEqual(['1 CPU', '0.5 CPUs', '2 CPUs', '0.25 CPUs'])
  })
})

describe('loadBackoffMs', () => {
  const s = settings({ maxCpu: 4, maxMemoryMb: 8192, maxTasks: 4 })

  it('is 0 when idle and the maximum when full', () => {
    expect(loadBackoffMs(idle, s, 1000)).toBe(0)
    expect(loadBackoffMs({ cpu: 4, memoryMb: 8192, tasks: 4 }, s, 1000)).toBe(1000)
    expect(loadBackoffMs({ cpu: 8, memoryMb: 0, tasks: 9 }, s, 1000)).toBe(1000)
  })

  it('grows with the fullest resource', () => {
    expect(loadBackoffMs({ cpu: 1, memoryMb: 4096, tasks: 1 }, s, 1000)).toBe(500)
    expect(loadBackoffMs({ cpu: 1, memoryMb: 1024, tasks: 1 }, s, 1000)).toBe(250)
  })

  it('treats a cap of 0 as idle when nothing is held', () => {
    expect(loadBackoffMs(idle, settings({ maxCpu: 0, maxMemoryMb: 0, maxTasks: 0 }), 1000)).toBe(0)
  })
})
