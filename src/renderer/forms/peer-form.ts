// The "Peer settings" form: name, bootstrap peers (one per line), Docker endpoint (empty = default),
// and the peer ids this peer denies or alone allows (one per line).
import { peerConfigUpdateSchema, type PeerConfigUpdate, type PeerConfigView } from '../../shared/api.js'
import type { FieldErrors, FieldMap } from './field-errors.js'

export type PeerField = 'name' | 'bootstrap' | 'dockerHost' | 'denyPeers' | 'allowPeers' | 'form'
export interface PeerFormValues { name: string, bootstrap: string, dockerHost: string, denyPeers: string, allowPeers: string }

export const PEER_FIELDS: FieldMap<PeerField> = { name: 'name', bootstrap: 'bootstrap', dockerHost: 'dockerHost', denyPeers: 'denyPeers', allowPeers: 'allowPeers' }

export const peerFormValues = (c: PeerConfigView): PeerFormValues =>
  ({ name: c.name, bootstrap: c.bootstrap.join('\n'), dockerHost: c.dockerHost ?? '', denyPeers: c.denyPeers.join('\n'), allowPeers: c.allowPeers.join('\n') })

export const nonEmptyLines = (text: string): string[] =>
  text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')

export type PeerFormResult =
  | { ok: true, update: PeerConfigUpdate }
  | { ok: false, errors: FieldErrors<PeerField> }

export function validatePeerForm (values: PeerFormValues, current: PeerConfigView): PeerFormResult {
  const update: PeerConfigUpdate = {}
  if (values.name.trim() !== current.name) update.name = values.name
  const bootstrap = nonEmptyLines(values.bootstrap)
  if (bootstrap.join('\n') !== current.bootstrap.join('\n')) update.bootstrap = bootstrap
  const dockerHost = values.dockerHost.trim() === '' ? null : values.dockerHost.trim()
  if (dockerHost !== current.dockerHost) update.dockerHost = dockerHost
  for (const list of ['denyPeers', 'allowPeers'] as const) {
    const ids = nonEmptyLines(values[list])
    if (ids.join('\n') !== current[list].join('\n')) update[list] = ids
  }

  const parsed = peerConfigUpdateSchema.safeParse(update)
  if (parsed.success) return { ok: true, update }
  const errors: FieldErrors<PeerField> = {}
  for (const issue of parsed.error.issues) {
    const field = PEER_FIELDS[String(issue.path[0] ?? '')] ?? 'form'
    if (errors[field] !== undefined) continue
    // Name the line of a bad entry: the lists can be long.
    const index = issue.path[1]
    errors[field] = (field === 'bootstrap' || field === 'denyPeers' || field === 'allowPeers') && typeof index === 'number' ? `line ${index + 1}: ${issue.message}` : issue.message
  }
  return { ok: false, errors }
}
