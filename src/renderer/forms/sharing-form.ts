// The "Sharing settings" form: text fields ↔ SharingSettings; Save sends only what changed.
import { parseMemoryMb } from '../../shared/api.js'
import { sharingUpdateSchema, type SharingSettings, type SharingUpdate } from '../../shared/sharing.js'
import { memoryText } from '../format/units.js'
import { fieldErrorsFromIssues, parseNumberText, type FieldErrors, type FieldMap } from './field-errors.js'

export type SharingField =
  | 'maxCpu' | 'maxMemory' | 'maxTasks' | 'idleStartMin' | 'idleResumeMin' | 'handBackMin' | 'maxOwnerCpuPct' | 'allowNetwork' | 'form'

export interface SharingFormValues {
  maxCpu: string
  maxMemory: string
  maxTasks: string
  idleStartMin: string
  idleResumeMin: string
  handBackMin: string
  maxOwnerCpuPct: string
  allowNetwork: boolean
}

export const SHARING_FIELDS: FieldMap<SharingField> = {
  maxCpu: 'maxCpu', maxMemoryMb: 'maxMemory', maxTasks: 'maxTasks', idleStartMin: 'idleStartMin',
  idleResumeMin: 'idleResumeMin', handBackMin: 'handBackMin', maxOwnerCpuPct: 'maxOwnerCpuPct', allowNetwork: 'allowNetwork'
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
    allowNetwork: s.allowNetwork
  }
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

  const parsed = sharingUpdateSchema.safeParse(update)
  const all = { ...(parsed.success ? {} : fieldErrorsFromIssues(parsed.error.issues, SHARING_FIELDS, 'form')), ...errors }
  if (Object.keys(all).length > 0) return { ok: false, errors: all }
  return { ok: true, update }
}
