// The "Sharing settings" form: text fields ↔ SharingSettings; Save sends only what changed.
import { parseMemoryMb } from '../../shared/api.js'
import { durationText, parseDurationSec } from '../../shared/duration.js'
import { sharingUpdateSchema, TASK_OUTPUT_VOLUME_MB, type SharingSettings, type SharingUpdate } from '../../shared/sharing.js'
import { memoryText } from '../format/units.js'
import { fieldErrorsFromIssues, parseNumberText, type FieldErrors, type FieldMap } from './field-errors.js'

export type SharingField =
  | 'maxCpu' | 'maxMemory' | 'maxTasks' | 'idleStartMin' | 'idleResumeMin' | 'handBackMin' | 'maxOwnerCpuPct' | 'allowNetwork'
  | 'allowedImages' | 'maxTaskCpu' | 'maxTaskMemory' | 'maxTaskTime' | 'maxTaskInput' | 'maxTaskOutput' | 'form'

export interface SharingFormValues {
  maxCpu: string
  maxMemory: string
  maxTasks: string
  idleStartMin: string
  idleResumeMin: string
  handBackMin: string
  maxOwnerCpuPct: string
  allowNetwork: boolean
  /** One image pattern per line (commas also separate); empty: any image. */
  allowedImages: string
  /** Per-task caps; empty: no cap of its own. */
  maxTaskCpu: string
  maxTaskMemory: string
  maxTaskTime: string
  /** Sizes like 500m or 2g; empty: no cap of the owner's own. */
  maxTaskInput: string
  maxTaskOutput: string
}

export const SHARING_FIELDS: FieldMap<SharingField> = {
  maxCpu: 'maxCpu', maxMemoryMb: 'maxMemory', maxTasks: 'maxTasks', idleStartMin: 'idleStartMin',
  idleResumeMin: 'idleResumeMin', handBackMin: 'handBackMin', maxOwnerCpuPct: 'maxOwnerCpuPct', allowNetwork: 'allowNetwork',
  allowedImages: 'allowedImages', maxTaskCpu: 'maxTaskCpu', maxTaskMemoryMb: 'maxTaskMemory', maxTaskTimeSec: 'maxTaskTime',
  maxTaskInputMb: 'maxTaskInput', maxTaskOutputMb: 'maxTaskOutput'
}

export function sharingFormValues (s: SharingSettings): SharingFormValues {
  return {
    maxCpu: String(s.maxCpu),
    maxMemory: memoryText(s.maxMemoryMb),
    maxTasks: String(s.maxTasks),
    idleStartMin: String(s.idleStartMin),
    idleResumeMin: String(s.idleResumeMin),
    handBackMin: String(s.handBackMin),
    maxOwnerCpuPct: String(s.maxOwnerCpuPct),
    allowNetwork: s.allowNetwork,
    allowedImages: s.allowedImages.join('\n'),
    maxTaskCpu: s.maxTaskCpu === null ? '' : String(s.maxTaskCpu),
    maxTaskMemory: s.maxTaskMemoryMb === null ? '' : memoryText(s.maxTaskMemoryMb),
    maxTaskTime: s.maxTaskTimeSec === null ? '' : durationText(s.maxTaskTimeSec),
    maxTaskInput: s.maxTaskInputMb === null ? '' : memoryText(s.maxTaskInputMb),
    maxTaskOutput: s.maxTaskOutputMb === null ? '' : memoryText(s.maxTaskOutputMb)
  }
}

/** The patterns typed, one per line or comma-separated, blanks dropped. */
export function imagePatternsText (text: string): string[] {
  return text.split(/[\n,]/).map(p => p.trim()).filter(p => p !== '')
}

/** An empty per-task field lifts that cap (null); junk is undefined. */
function optional<T> (text: string, parse: (t: string) => T | undefined): T | null | undefined {
  return text.trim() === '' ? null : parse(text)
}

export type SharingFormResult =
  | { ok: true, update: SharingUpdate }
  | { ok: false, errors: FieldErrors<SharingField> }

const NUMBER_KEYS = ['maxCpu', 'maxTasks', 'idleStartMin', 'idleResumeMin', 'handBackMin', 'maxOwnerCpuPct'] as const

/** The update holding the fields that differ from `current`, checked by the shared schema. */
export function validateSharingForm (values: SharingFormValues, current: SharingSettings): SharingFormResult {
  const errors: FieldErrors<SharingField> = {}
  const update: SharingUpdate = {}
  for (const key of NUMBER_KEYS) {
    const n = parseNumberText(values[key])
    if (n === undefined) errors[key] = `${key} must be a number`
    else if (n !== current[key]) update[key] = n
  }
  const memoryMb = parseMemoryMb(values.maxMemory)
  if (memoryMb === undefined) errors.maxMemory = 'maxMemoryMb must be a size like 512m or 4g'
  else if (memoryMb !== current.maxMemoryMb) update.maxMemoryMb = memoryMb
  if (values.allowNetwork !== current.allowNetwork) update.allowNetwork = values.allowNetwork
  const images = imagePatternsText(values.allowedImages)
  if (images.join('\n') !== current.allowedImages.join('\n')) update.allowedImages = images
  const taskCpu = optional(values.maxTaskCpu, parseNumberText)
  if (taskCpu === undefined) errors.maxTaskCpu = 'maxTaskCpu must be a number of cores, or empty for no limit'
  else if (taskCpu !== current.maxTaskCpu) update.maxTaskCpu = taskCpu
  const taskMemory = optional(values.maxTaskMemory, parseMemoryMb)
  if (taskMemory === undefined) errors.maxTaskMemory = 'maxTaskMemoryMb must be a size like 512m or 4g, or empty for no limit'
  else if (taskMemory !== current.maxTaskMemoryMb) update.maxTaskMemoryMb = taskMemory
  const taskTime = optional(values.maxTaskTime, parseDurationSec)
  if (taskTime === undefined) errors.maxTaskTime = 'maxTaskTimeSec must be a duration like 30m, 2h or 1d, or empty for no limit'
  else if (taskTime !== current.maxTaskTimeSec) update.maxTaskTimeSec = taskTime
  const taskInput = optional(values.maxTaskInput, parseMemoryMb)
  if (taskInput === undefined) errors.maxTaskInput = 'maxTaskInputMb must be a size like 500m or 2g, or empty for no limit'
  else if (taskInput !== current.maxTaskInputMb) update.maxTaskInputMb = taskInput
  const taskOutput = optional(values.maxTaskOutput, parseMemoryMb)
  if (taskOutput === undefined) errors.maxTaskOutput = `maxTaskOutputMb must be a size like 64m, or empty for the ${TASK_OUTPUT_VOLUME_MB} MiB /output`
  else if (taskOutput !== current.maxTaskOutputMb) update.maxTaskOutputMb = taskOutput

  const parsed = sharingUpdateSchema.safeParse(update)
  const all = { ...(parsed.success ? {} : fieldErrorsFromIssues(parsed.error.issues, SHARING_FIELDS, 'form')), ...errors }
  if (Object.keys(all).length > 0) return { ok: false, errors: all }
  return { ok: true, update }
}
