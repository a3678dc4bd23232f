// The owner's sharing settings and the answers a provider gives about lending: the one shape used
// by the settings file, the API, the CLI and (later) the UI.
import { z } from 'zod'
import { TASK_OUTPUT_VOLUME_MB } from './task-volume.js'
import { imagePatternProblem, MAX_IMAGE_PATTERNS } from './image-pattern.js'
import { MAX_TASK_INPUT_BYTES } from './schemas.js'

/** Modes the owner picks; "snoozed" is not a mode but a pause that ends by itself (see `snooze`). */
export const SHARING_SETTING_MODES = ['on', 'paused', 'idle-only'] as const
export const sharingSettingMode = z.enum(SHARING_SETTING_MODES)
export type SharingSettingMode = z.infer<typeof sharingSettingMode>

/**
 * A snooze: lending paused until `until` (wall-clock ms, so "snoozed until 15:42" survives a
 * restart or a machine sleep), or until the owner resumes (`until: null`).
 */
export const snoozeSchema = z.object({ until: z.number().int().nonnegative().nullable() }).strict()
export type Snooze = z.infer<typeof snoozeSchema>

export { TASK_OUTPUT_VOLUME_MB }
/** The inputs of one task are at most 1 TiB together, in MiB. */
const MAX_TASK_INPUT_MB = MAX_TASK_INPUT_BYTES / 2 ** 20

const minutes = (what: string): z.ZodNumber => z.number({ error: `${what} must be a number of minutes` })
  .min(0, `${what} must be at least 0 minutes`).max(7 * 24 * 60, `${what} must be at most 7 days`)

/** One allow-list entry; the message names the field and quotes the bad pattern. */
const imagePattern = z.string({ error: 'allowedImages must be a list of image patterns' }).superRefine((pattern, ctx) => {
  const problem = imagePatternProblem(pattern)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `allowedImages: "${pattern.slice(0, 80)}" ${problem}` })
})

export const sharingSettingsSchema = z.object({
  mode: sharingSettingMode,
  snooze: snoozeSchema.nullable(),
  /** Most CPU cores lent at once (all tasks together). */
  maxCpu: z.number({ error: 'maxCpu must be a number of cores' }).min(0, 'maxCpu must be at least 0').max(4096, 'maxCpu must be at most 4096'),
  /** Most memory lent at once, MiB. */
  maxMemoryMb: z.number({ error: 'maxMemoryMb must be whole MiB' }).int('maxMemoryMb must be whole MiB').min(0, 'maxMemoryMb must be at least 0'),
  /** Most tasks run at once. */
  maxTasks: z.number({ error: 'maxTasks must be a whole number' }).int('maxTasks must be a whole number').min(0, 'maxTasks must be at least 0').max(64, 'maxTasks must be at most 64'),
  /** Whether tasks that ask for the network may have it here. */
  allowNetwork: z.boolean({ error: 'allowNetwork must be true or false' }),
  /** idle-only: the user must have been idle this long before lending starts (N). */
  idleStartMin: minutes('idleStartMin'),
  /** idle-only: suspended tasks resume after the user has been idle this long again (M). */
  idleResumeMin: minutes('idleResumeMin'),
  /** idle-only: a task suspended longer than this is handed back to another peer (T). */
  handBackMin: minutes('handBackMin'),
  /** idle-only: lending starts only while the owner's own (non-task) CPU load is below this. */
  maxOwnerCpuPct: z.number({ error: 'maxOwnerCpuPct must be a percentage' }).min(0, 'maxOwnerCpuPct must be at least 0').max(100, 'maxOwnerCpuPct must be at most 100'),
  /** Images tasks may run here (glob-like, shared/image-pattern.ts); empty: every image. */
  allowedImages: z.array(imagePattern, { error: 'allowedImages must be a list of image patterns' })
    .max(MAX_IMAGE_PATTERNS, `allowedImages must hold at most ${MAX_IMAGE_PATTERNS} patterns`),
  /** Most CPU cores one task may ask for; null: up to maxCpu. */
  maxTaskCpu: z.number({ error: 'maxTaskCpu must be a number of cores' }).positive('maxTaskCpu must be more than 0').max(4096, 'maxTaskCpu must be at most 4096').nullable(),
  /** Most memory one task may ask for, MiB; null: up to maxMemoryMb. */
  maxTaskMemoryMb: z.number({ error: 'maxTaskMemoryMb must be whole MiB' }).int('maxTaskMemoryMb must be whole MiB').min(16, 'maxTaskMemoryMb must be at least 16 MiB (the smallest task)').nullable(),
  /** Longest run one task may ask for (its timeoutSec), seconds; null: any (at most 7 days). */
  maxTaskTimeSec: z.number({ error: 'maxTaskTimeSec must be whole seconds' }).int('maxTaskTimeSec must be whole seconds').min(1, 'maxTaskTimeSec must be at least 1 s').max(7 * 86400, 'maxTaskTimeSec must be at most 7 days').nullable(),
  /** Most input data one task may bring (all its inputs together), MiB; null: any (at most 1 TiB). */
  maxTaskInputMb: z.number({ error: 'maxTaskInputMb must be whole MiB' }).int('maxTaskInputMb must be whole MiB').min(1, 'maxTaskInputMb must be at least 1 MiB')
    .max(MAX_TASK_INPUT_MB, 'maxTaskInputMb must be at most 1 TiB').nullable(),
  /** Most output one task may leave in /output, MiB; null: up to the /output volume's size (256 MiB). */
  maxTaskOutputMb: z.number({ error: 'maxTaskOutputMb must be whole MiB' }).int('maxTaskOutputMb must be whole MiB').min(1, 'maxTaskOutputMb must be at least 1 MiB')
    .max(TASK_OUTPUT_VOLUME_MB, `maxTaskOutputMb must be at most ${TASK_OUTPUT_VOLUME_MB} MiB (the size of a task's /output)`).nullable()
}).strict()
export type SharingSettings = z.infer<typeof sharingSettingsSchema>

/** A change from the API or CLI: any subset of the settings. */
export const sharingUpdateSchema = sharingSettingsSchema.partial().strict()
export type SharingUpdate = z.infer<typeof sharingUpdateSchema>

export const DEFAULT_IDLE_POLICY = { idleStartMin: 15, idleResumeMin: 5, handBackMin: 10, maxOwnerCpuPct: 25 } as const

/** A fresh install accepts every image, any size up to its totals, any run time, any inputs and outputs. */
export const DEFAULT_TASK_POLICY: Pick<SharingSettings, 'allowedImages' | 'maxTaskCpu' | 'maxTaskMemoryMb' | 'maxTaskTimeSec' | 'maxTaskInputMb' | 'maxTaskOutputMb'> =
  { allowedImages: [], maxTaskCpu: null, maxTaskMemoryMb: null, maxTaskTimeSec: null, maxTaskInputMb: null, maxTaskOutputMb: null }

/** Why a provider does not take a task (or that it would); `code` is stable, `message` plain words. */
export const NOT_PLACED_CODES = [
  'would-claim', 'running-it', 'finished', 'no-executor', 'docker-unavailable', 'paused', 'snoozed', 'waiting-for-idle',
  'owner-busy', 'suspended', 'no-free-slot', 'too-much-cpu', 'too-much-memory', 'network-not-allowed', 'not-seen', 'no-answer',
  'no-majority', 'image-not-allowed', 'too-long', 'inputs-too-big'
] as const
export const notPlacedCode = z.enum(NOT_PLACED_CODES)
export type NotPlacedCode = z.infer<typeof notPlacedCode>

export const placementAnswerSchema = z.object({
  peerId: z.string().max(64),
  name: z.string().max(64),
  code: notPlacedCode,
  message: z.string().max(300)
}).strict()
export type PlacementAnswer = z.infer<typeof placementAnswerSchema>

export interface WhyResponse {
  taskId: string
  status: string
  /** One plain sentence: who could take it, or the reasons nobody does. */
  summary: string
  answers: PlacementAnswer[]
}

/** What a provider lends now, for status, node meta and the UI gauges. */
export interface LendingView {
  settings: SharingSettings
  /** What the peer does now: the mode, or "snoozed" while a snooze lasts. */
  effective: 'on' | 'paused' | 'idle-only' | 'snoozed'
  /** Whether it claims new tasks now, and if not, why (plain words). */
  claiming: boolean
  reason: string
  cores: number
  /** Share of the CPU used by everything but this peer's tasks, 0–100. */
  ownerCpuPct: number
  availableMemMb: number
  lendableCpu: number
  lendableMemMb: number
  heldCpu: number
  heldMemMb: number
  runningTasks: number
  suspendedTasks: number
  /** Seconds the user has been idle, when an idle source is known. */
  userIdleSec: number | null
}
