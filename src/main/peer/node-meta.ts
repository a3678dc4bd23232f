// This peer's node meta: what others rank providers by and dial it at, gossiped every beat and
// whenever what it carries changes.
import { PROTOCOL_VERSION, type LendingView, type NodeMeta } from '../../shared/index.js'
import { VERSION } from './config.js'

/** The meta record's value for this peer now. */
export function nodeMeta (m: { peerId: string, name: string, seq: number, view: LendingView, idleCpuPct: number, dockerOk: boolean, addrs: string[] }): NodeMeta {
  const v = m.view
  return {
    v: PROTOCOL_VERSION, peerId: m.peerId, name: m.name.slice(0, 64), version: VERSION, seq: m.seq, cores: v.cores,
    idleCpuPct: Math.min(100, Math.max(0, Math.round(m.idleCpuPct))), freeMemMb: Math.max(0, v.availableMemMb),
    lendableCpu: v.lendableCpu, lendableMemMb: v.lendableMemMb, sharing: v.effective, dockerOk: m.dockerOk,
    allowNetwork: v.settings.allowNetwork, runningTasks: v.runningTasks, addrs: m.addrs, updatedAt: Date.now()
  }
}

/**
 * Changes when a lending-view change should send the meta at once. The reason's wording is left
 * out: it follows every connection while this peer lacks a majority ("reaches 12 of 50 members")
 * and the meta does not carry it; a meta to every member on each of those was most of the gossip
 * while 50 peers met each other (bench scale).
 */
export function metaChangeKey (view: LendingView): string {
  return JSON.stringify([view.effective, view.claiming, view.settings, view.suspendedTasks])
}
