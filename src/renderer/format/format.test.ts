import { describe, expect, it } from 'vitest'
import type { PeerView, StatusResponse } from '../../shared/api.js'
import { peerName } from './peer-name.js'
import { elapsedText, formatCores, formatMemory, memoryText, peerIdTail, sharingStatusText } from './units.js'

describe('formatting', () => {
  it('writes sizes, cores and the Max memory text', () => {
    expect(formatMemory(256)).toBe('256 MiB')
    expect(formatMemory(1536)).toBe('1.5 GiB')
    expect(formatCores(1.4999999999)).toBe('1.5')
    expect(memoryText(4096)).toBe('4g')
    expect(memoryText(1536)).toBe('1536m')
    expect(memoryText(0)).toBe('0m')
  })

  it('says the header status in words', () => {
    const now = new Date(2025, 2, 4, 12, 0).getTime()
    const s = { mode: 'on', snooze: null } as never
    expect(sharingStatusText({ effective: 'on', settings: s }, now)).toBe('Sharing: on')
    expect(sharingStatusText({ effective: 'paused', settings: s }, now)).toBe('Sharing: paused')
    expect(sharingStatusText({ effective: 'idle-only', settings: s }, now)).toBe('Sharing: idle only')
    const until = new Date(2025, 2, 4, 15, 42).getTime()
    expect(sharingStatusText({ effective: 'snoozed', settings: { snooze: { until } } as never }, now)).toBe('Snoozed until 15:42')
    expect(sharingStatusText({ effective: 'snoozed', settings: { snooze: { until: null } } as never }, now)).toBe('Snoozed until resumed')
    expect(sharingStatusText({ effective: 'on', settings: s }, now, 'none (submits and observes only)')).toBe('Not lending (submits only)')
  })

  it('writes elapsed time, and a dash when the start is unknown', () => {
    expect(elapsedText(0, 65_000)).toBe('1 min')
    expect(elapsedText(null, 1)).toBe('—')
  })

  it('names peers by their meta, this computer by its status, others by their id tail', () => {
    const id = '12D3KooWAbCdEfGhJkLmNoPqRsTuVwXyZ123456789abcdefghij'
    const peers = [{ peerId: 'P1', connected: true, addrs: [], meta: { name: 'desk-2' } } as unknown as PeerView]
    const self = { peerId: 'ME', name: 'desk-1' } as StatusResponse
    expect(peerName('P1', peers, self)).toBe('desk-2')
    expect(peerName('ME', peers, self)).toBe('desk-1 (this computer)')
    expect(peerName(id, peers, self)).toBe(peerIdTail(id))
    expect(peerIdTail(id)).toBe('…bcdefghij'.slice(0, 1) + id.slice(-8))
  })
})
