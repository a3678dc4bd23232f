import { describe, expect, it } from 'vitest'
import { DEFAULT_TASK_POLICY, type LendingView, type SharingSettings } from '../../shared/index.js'
import { sharingUpdateFor, trayMenuModel, type MenuItemModel, type TrayState } from './tray-menu.js'

const NOW = new Date(2025, 2, 4, 15, 0, 0).getTime()

function lending (settings: Partial<SharingSettings> = {}, view: Partial<LendingView> = {}): LendingView {
  const s: SharingSettings = {
    mode: 'on', snooze: null, maxCpu: 2, maxMemoryMb: 1024, maxTasks: 2, allowNetwork: false,
    idleStartMin: 15, idleResumeMin: 5, handBackMin: 10, maxOwnerCpuPct: 25, ...DEFAULT_TASK_POLICY, ...settings
  }
  return {
    settings: s, effective: s.snooze !== null ? 'snoozed' : s.mode, claiming: s.mode === 'on' && s.snooze === null,
    reason: 'lending', cores: 2, ownerCpuPct: 5, availableMemMb: 4000, lendableCpu: 2, lendableMemMb: 1024,
    heldCpu: 0, heldMemMb: 0, runningTasks: 0, suspendedTasks: 0, userIdleSec: null, ...view
  }
}

const state = (l: LendingView | null, extra: Partial<TrayState> = {}): TrayState => ({ lending: l, running: 0, now: NOW, problem: null, ...extra })
const labels = (items: MenuItemModel[]): string[] => items.flatMap(i => i.kind === 'separator' ? [] : [i.label])
const status = (s: TrayState): string => {
  const first = trayMenuModel(s).items[0]
  return first?.kind === 'status' ? first.label : ''
}

describe('trayMenuModel', () => {
  it('says how many tasks this computer runs while sharing', () => {
    expect(status(state(lending(), { running: 2 }))).toBe('Sharing — running 2 tasks')
    expect(status(state(lending(), { running: 1 }))).toBe('Sharing — running 1 task')
    expect(status(state(lending()))).toBe('Sharing — ready for tasks')
    const model = trayMenuModel(state(lending(), { running: 2 }))
    expect(model.icon).toBe('on')
    expect(model.tooltip).toBe('Mutual Cloud — Sharing — running 2 tasks')
  })

  it('shows a snooze as the time left and the clock time it ends', () => {
    const s = state(lending({ snooze: { until: NOW + 42 * 60_000 } }))
    expect(status(s)).toBe('Snoozed — 42 min left (until 15:42)')
    expect(trayMenuModel(s).icon).toBe('snoozed')
    expect(status(state(lending({ snooze: { until: NOW + 42 * 60_000 } }), { now: NOW + 30_000 }))).toBe('Snoozed — 42 min left (until 15:42)')
    expect(status(state(lending({ snooze: { until: NOW + 3_600_000 } }), { now: NOW + 400 }))).toBe('Snoozed — 1 h left (until 16:00)')
    expect(status(state(lending({ snooze: { until: null } })))).toBe('Snoozed until resumed')
  })

  it('offers Resume only while snoozed', () => {
    expect(labels(trayMenuModel(state(lending())).items)).not.toContain('Resume')
    expect(labels(trayMenuModel(state(lending({ snooze: { until: null } }))).items)).toContain('Resume')
  })

  it('marks the chosen mode among the three radio items', () => {
    const items = trayMenuModel(state(lending({ mode: 'paused' }))).items
    const radios = items.flatMap(i => i.kind === 'radio' ? [[i.label, i.checked]] : [])
    expect(radios).toEqual([['On', false], ['Paused', true], ['Idle only', false]])
    expect(status(state(lending({ mode: 'paused' })))).toBe('Paused')
    expect(trayMenuModel(state(lending({ mode: 'paused' }))).icon).toBe('paused')
  })

  it('lists the snooze choices, Open and Quit in that order', () => {
    expect(labels(trayMenuModel(state(lending())).items)).toEqual([
      'Sharing — ready for tasks', 'On', 'Paused', 'Idle only', 'Snooze 1 h', 'Snooze 3 h', 'Snooze until resumed', 'Open Mutual Cloud', 'Quit'
    ])
  })

  it('says Quit hands running tasks back', () => {
    expect(labels(trayMenuModel(state(lending(), { running: 1 })).items)).toContain('Quit (hands 1 task back)')
  })

  it('shows idle-only waiting with its own icon and reason', () => {
    const waiting = state(lending({ mode: 'idle-only' }, { claiming: false, reason: 'waiting for 15 min of idle' }))
    expect(status(waiting)).toBe('Idle only — waiting for 15 min of idle')
    expect(trayMenuModel(waiting).icon).toBe('idle')
    expect(trayMenuModel(state(lending({ mode: 'idle-only' }, { claiming: true }))).icon).toBe('on')
    expect(status(state(lending({ mode: 'idle-only' }, { claiming: false, suspendedTasks: 1 }))))
      .toBe('Idle only — 1 task waiting for you to be away')
  })

  it('puts a problem in the menu and the tooltip, with the error icon', () => {
    const model = trayMenuModel(state(lending(), { problem: 'Docker is not available' }))
    expect(model.icon).toBe('error')
    expect(labels(model.items).slice(0, 2)).toEqual(['Sharing — ready for tasks', 'Docker is not available'])
    expect(model.tooltip).toContain('\nDocker is not available')
  })

  it('offers only Open and Quit while the peer starts', () => {
    const model = trayMenuModel(state(null))
    expect(labels(model.items)).toEqual(['Starting…', 'Open Mutual Cloud', 'Quit'])
    expect(model.icon).toBe('idle')
  })

  it('keeps the tooltip within the Windows limit', () => {
    const model = trayMenuModel(state(lending({}, { claiming: false, reason: 'x'.repeat(300) })))
    expect(model.tooltip.length).toBeLessThanOrEqual(127)
  })
})

describe('sharingUpdateFor', () => {
  it('maps menu actions to the settings change the Lending view would make', () => {
    expect(sharingUpdateFor({ type: 'set-mode', mode: 'idle-only' }, NOW)).toEqual({ mode: 'idle-only', snooze: null })
    expect(sharingUpdateFor({ type: 'snooze', minutes: 60 }, NOW)).toEqual({ snooze: { until: NOW + 3_600_000 } })
    expect(sharingUpdateFor({ type: 'snooze', minutes: null }, NOW)).toEqual({ snooze: { until: null } })
    expect(sharingUpdateFor({ type: 'resume' }, NOW)).toEqual({ snooze: null })
    expect(sharingUpdateFor({ type: 'quit' }, NOW)).toBeNull()
  })
})
