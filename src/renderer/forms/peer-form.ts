// The "Peer settings" form: name, bootstrap peers (one per line), Docker endpoint (empty = default).
import { peerConfigUpdateSchema, type PeerConfigUpdate, type PeerConfigView } from '../../shared/api.js'
import type { FieldErrors, FieldMap } from './field-errors.js'

export type PeerField = 'name' | 'bootstrap' | 'dockerHost' | 'form'
export interface PeerFormValues { name: string, bootstrap: string, dockerHost: string }

export const PEER_FIELDS: FieldMap<PeerField> = { name: 'name', bootstrap: 'bootstrap', dockerHost: 'dockerHost' }

export const peerFormValues = (c: PeerConfigView): PeerFormValues =>
  ({ name: c.name, bootstrap: c.bootstrap.join('\n'), dockerHost: c.dockerHost ?? '' })

export const bootstrapLines = (text: string): string[] =>
  text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')

export type PeerFormResult =
  | { ok: true, update: PeerConfigUpdate }
  | { ok: false, errors: FieldErrors<PeerField> }

export function validatePeerForm (values: PeerFormValues, current: PeerConfigView): PeerFormResult {
  const update: PeerConfigUpdate = {}
  if (values.name.trim() !== current.name) update.name = values.name
  const bootstrap = bootstrapLines(values.bootstrap)
  if (bootstrap.join('\n') !== current.bootstrap.join('\n')) update.bootstrap = bootstrap
  const dockerHost = values.dockerHost.trim() === '' ? null : values.dockerHost.trim()
  if (dockerHost !== current.dockerHost) update.dockerHost = dockerHost

  const parsed = peerConfigUpdateSchema.safeParse(update)
  if (parsed.success) return { ok: true, update }
  const errors: FieldErrors<PeerField> = {}
  for (const issue of parsed.error.issues) {
    const field = PEER_FIELDS[String(issue.path[0] ?? '')] ?? 'form'
    if (errors[field] !== undefined) continue
    // Name the line of a bad bootstrap address: the list can be long.
    const index = issue.path[1]
    errors[field] = field === 'bootstrap' && typeof index === 'number' ? `line ${index + 1}: ${issue.message}` : issue.message
  }
  return { ok: false, errors }
}
