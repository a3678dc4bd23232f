// How much this peer can lend now, and whether a task fits: pure functions of the owner's
// settings, a resource sample and what the running tasks already hold.
import { DEFAULT_IDLE_POLICY, DEFAULT_TASK_POLICY, type NotPlacedCode, type SharingSettings } from '../../shared/index.js'
import type { ResourceSample } from './sampler.js'

/** What this peer's running (and claiming) tasks hold. */
export interface HeldResources { cpu: number, memoryMb: number, tasks: number }

/** What this peer could lend to one more task now. */
export interface Lendable { cpu: number, memoryMb: number, slots: number }

/**
 * What a task asks of its provider. `image` and `timeoutSec` are left out only by the scheduler's
 * "is any slot free" probe, which stands for any task (task-policy.ts judges them when given);
 * `inputs` is absent for a task without any.
 */
export interface ResourceRequest { cpu: number, memoryMb: number, network: boolean, image?: string, timeoutSec?: number, inputs?: ReadonlyArray<{ bytes: number }> }

export interface FitProblem { code: NotPlacedCode, message: string }

/** The settings of a fresh install: lend all cores and half the memory, whenever the owner leaves room, to any image. */
export function defaultSettings (cores: number, totalMemMb: number): SharingSettings {
  return {
    mode: 'on',
    snooze: null,
    maxCpu: cores,
    maxMemoryMb: Math.max(0, Math.floor(totalMemMb / 2)),
    maxTasks: Math.max(1, Math.floor(cores)),
    allowNetwork: false,
    ...DEFAULT_IDLE_POLICY,
    ...DEFAULT_TASK_POLICY,
    // its own array: the settings store freezes what it holds, never the shared default
    allowedImages: []
  }
}

const clampPct = (x: number): number => Math.min(100, Math.max(0, x))

/**
 * The owner's own CPU load, 0–100: the machine's busy share minus this peer's process and minus
 * what the running tasks hold (at most what is busy). Neither is the owner's activity, and counting
 * them would make a busy provider look like a busy owner and stop lending.
 * `heldCpu` is cores; pass the tasks' measured use when known, since a task idling below its
 * reservation would otherwise hide that much of the owner's load.
 */
export function ownerCpuPct (sample: ResourceSample, heldCpu: number): number {
  const cores = Math.max(1, sample.cores)
  const heldPct = Math.max(0, heldCpu) / cores * 100
  return clampPct(sample.cpuBusyPct - sample.ownCpuPct - Math.min(heldPct, sample.cpuBusyPct))
}

/** Rounds down to 0.1, ignoring float dust (1.5 stored as 1.4999999… stays 1.5). */
const floorTenth = (x: number): number => Math.floor(x * 10 + 1e-9) / 10

/** What one more task could get here now, after the owner's load and what is already held. */
export function lendable (settings: SharingSettings, sample: ResourceSample, held: HeldResources): Lendable {
  const ownerFree = sample.cores * (1 - ownerCpuPct(sample, held.cpu) / 100)
  // availableMemMb already excludes what the tasks use, so add it back before applying the cap
  const memoryRoom = Math.min(settings.maxMemoryMb, sample.availableMemMb + held.memoryMb)
  return {
    cpu: Math.max(0, floorTenth(Math.min(settings.maxCpu, ownerFree) - held.cpu)),
    memoryMb: Math.max(0, Math.floor(memoryRoom - held.memoryMb)),
    slots: Math.max(0, settings.maxTasks - held.tasks)
  }
}

/** Sizes as people read them: MiB under 1 GiB, GiB with one decimal (".0" dropped) above. */
export function formatMemory (mb: number): string {
  if (mb < 1024) return `${Math.round(mb)} MiB`
  return `${trimNumber(mb / 1024, 1)} GiB`
}

/** "1 CPU", "1.5 CPUs", "0 CPUs". */
export function formatCpu (cpu: number): string {
  const text = trimNumber(cpu, 2)
  return `${text} ${text === '1' ? 'CPU' : 'CPUs'}`
}

function trimNumber (x: number, decimals: number): string {
  return String(Number(x.toFixed(decimals)))
}

/** Two sizes that round to the same text ("4 GiB but 4 GiB") are shown in exact MiB instead. */
function memoryPair (need: number, have: number): [string, string] {
  const [a, b] = [formatMemory(need), formatMemory(have)]
  return a === b ? [`${need} MiB`, `${have} MiB`] : [a, b]
}

/** "1 is lendable", "1.5 are lendable". */
const isSingular = (cpu: number): boolean => trimNumber(cpu, 2) === '1'

const EPSILON = 1e-9

/**
 * null when the task fits here now; otherwise why not, in plain words. Reasons that hold whatever
 * the load (network, the owner's caps) come first, because waiting will not help them.
 */
export function fitProblem (request: ResourceRequest, settings: SharingSettings, room: Lendable): FitProblem | null {
  if (request.network && !settings.allowNetwork) {
    return { code: 'network-not-allowed', message: 'asks for network access; this peer does not allow it' }
  }
  if (request.memoryMb > settings.maxMemoryMb) {
    const [need, cap] = memoryPair(request.memoryMb, settings.maxMemoryMb)
    const lends = settings.maxMemoryMb === 0 ? 'this peer lends no memory' : `this peer lends at most ${cap}`
    return { code: 'too-much-memory', message: `needs ${need} memory; ${lends}` }
  }
  if (request.cpu > settings.maxCpu + EPSILON) {
    const lends = settings.maxCpu === 0 ? 'this peer lends no CPU' : `this peer lends at most ${formatCpu(settings.maxCpu)}`
    return { code: 'too-much-cpu', message: `needs ${formatCpu(request.cpu)}; ${lends}` }
  }
  if (room.slots <= 0) {
    const message = settings.maxTasks === 0
      ? 'runs no tasks (its limit is 0)'
      : `already runs ${settings.maxTasks} ${settings.maxTasks === 1 ? 'task' : 'tasks'} (its limit)`
    return { code: 'no-free-slot', message }
  }
  if (request.memoryMb > room.memoryMb) {
    const [need, have] = memoryPair(request.memoryMb, room.memoryMb)
    return { code: 'too-much-memory', message: `needs ${need} memory but ${have} is lendable here` }
  }
  if (request.cpu > room.cpu + EPSILON) {
    return { code: 'too-much-cpu', message: `needs ${formatCpu(request.cpu)} but ${trimNumber(room.cpu, 2)} ${isSingular(room.cpu) ? 'is' : 'are'} lendable here` }
  }
  return null
}

/**
 * Extra wait before this provider claims, 0 when it holds nothing and `maxMs` when it is full.
 * The fullest resource decides (it is the one that runs out), so less loaded peers win the race.
 */
export function loadBackoffMs (held: HeldResources, settings: SharingSettings, maxMs: number): number {
  // nothing held counts as idle even under a cap of 0; something held over a cap of 0 is full
  const share = (used: number, cap: number): number => used <= 0 ? 0 : cap <= 0 ? 1 : used / cap
  const load = Math.max(
    share(held.cpu, settings.maxCpu),
    share(held.memoryMb, settings.maxMemoryMb),
    share(held.tasks, settings.maxTasks)
  )
  return Math.round(Math.min(1, Math.max(0, load)) * Math.max(0, maxMs))
}
