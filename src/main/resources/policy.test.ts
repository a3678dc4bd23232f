import { describe, expect, it } from 'vitest'
import type { SharingSettings } from '../../shared/index.js'
import { defaultSettings } from './capacity.js'
import { formatClock, formatDuration } from '../../shared/time-format.js'
import { handBackDue, SharingPolicy, type PolicyInput } from './policy.js'

const MIN = 60_000
const NOW = Date.UTC(2025, 5, 10, 12, 0)
const settings = (over: Partial<SharingSettings> = {}): SharingSettings => ({ ...defaultSettings(4, 16384), ...over })
const idleOnly = settings({ mode: 'idle-only' })
// wall times print as ms in reasons, so no test depends on the machine's timezone
const policy = (): SharingPolicy => new SharingPolicy({ formatTime: (ms) => `@${ms}` })
const input = (over: Partial<PolicyInput> = {}): PolicyInput =>
  ({ settings: idleOnly, now: NOW, mono: 0, ownerCpuPct: 5, userIdleSec: 0, running: 0, ...over })

describe('SharingPolicy: on, paused, snoozed', () => {
  it('on: claims whatever the owner does and never suspends', () => {
    const d = policy().evaluate(input({ settings: settings(), ownerCpuPct: 90, userIdleSec: 0, running: 2 }))
    expect(d).toMatchObject({ effective: 'on', claim: true, code: null, suspend: false, snoozeExpired: false })
  })

  it('paused: no claims, running tasks continue', () => {
    const d = policy().evaluate(input({ settings: settings({ mode: 'paused' }), running: 1 }))
    expect(d).toEqual({ effective: 'paused', claim: false, code: 'paused', reason: 'paused by the owner', suspend: false, snoozeExpired: false })
  })

  it('snoozed until a time: no claims, tasks continue, then the mode returns once it has passed', () => {
    const p = policy()
    const snoozed = settings({ snooze: { until: NOW + 30 * MIN } })
    expect(p.evaluate(input({ settings: snoozed, running: 1 }))).toEqual({
      effective: 'snoozed', claim: false, code: 'snoozed', reason: `snoozed until @${NOW + 30 * MIN}`, suspend: false, snoozeExpired: false
    })
    const after = p.evaluate(input({ settings: snoozed, now: NOW + 30 * MIN, running: 1 }))
    expect(after).toMatchObject({ effective: 'on', claim: true, code: null, snoozeExpired: true })
  })

  it('snoozed until resumed never expires', () => {
    const d = policy().evaluate(input({ settings: settings({ snooze: { until: null } }), now: NOW + 1e9 }))
    expect(d).toMatchObject({ effective: 'snoozed', claim: false, reason: 'snoozed until resumed', snoozeExpired: false })
  })

  it('an expired snooze falls back to its mode, paused included', () => {
    const d = policy().evaluate(input({ settings: settings({ mode: 'paused', snooze: { until: NOW - 1 } }) }))
    expect(d).toMatchObject({ effective: 'paused', claim: false, code: 'paused', snoozeExpired: true })
  })

  it('prints the snooze end in local time by default', () => {
    const until = new Date(2025, 5, 10, 15, 42).getTime()
    const d = new SharingPolicy().evaluate(input({ settings: settings({ snooze: { until } }), now: new Date(2025, 5, 10, 9, 0).getTime() }))
    expect(d.reason).toBe('snoozed until 15:42')
  })
})

describe('SharingPolicy: idle-only with an idle source', () => {
  it('waits for N minutes of idle, then lends', () => {
    const p = policy()
    expect(p.evaluate(input({ userIdleSec: 180 }))).toMatchObject({
      effective: 'idle-only', claim: false, code: 'waiting-for-idle', reason: 'lends after 15 min of idle (idle 3 min)', suspend: false
    })
    expect(p.evaluate(input({ userIdleSec: 15 * 60 }))).toMatchObject({ claim: true, code: null, suspend: false })
  })

  it('does not lend while the owner\'s own CPU load is high, however long they are idle', () => {
    const d = policy().evaluate(input({ userIdleSec: 20 * 60, ownerCpuPct: 63 }))
    expect(d).toMatchObject({ claim: false, code: 'owner-busy', reason: "the owner's CPU load is 63% (lends below 25%)", suspend: false })
  })

  it('suspends at once when the owner comes back, resumes only after M idle minutes, claims again after N', () => {
    const p = policy()
    expect(p.evaluate(input({ userIdleSec: 20 * 60, running: 1 })).suspend).toBe(false)
    // the owner touches the mouse
    const back = p.evaluate(input({ userIdleSec: 1, running: 1 }))
    expect(back).toMatchObject({ claim: false, code: 'suspended', suspend: true })
    expect(back.reason).toBe('tasks are suspended while the owner is active; they resume after 5 min of idle (idle 1 s)')
    // idle again, but not for long enough
    expect(p.evaluate(input({ userIdleSec: 4 * 60 + 59, running: 1 })).suspend).toBe(true)
    const resumed = p.evaluate(input({ userIdleSec: 5 * 60, running: 1 }))
    expect(resumed).toMatchObject({ suspend: false, claim: false, code: 'waiting-for-idle' })
    expect(p.evaluate(input({ userIdleSec: 15 * 60, running: 1 }))).toMatchObject({ suspend: false, claim: true })
  })

  it('keeps tasks suspended while the owner\'s load is high, even with no input', () => {
    const p = policy()
    p.evaluate(input({ userIdleSec: 0, running: 1 }))
    const d = p.evaluate(input({ userIdleSec: 10 * 60, ownerCpuPct: 80, running: 1 }))
    expect(d).toMatchObject({ suspend: true, code: 'suspended' })
    expect(d.reason).toContain("the owner's CPU load is 80%")
    expect(p.evaluate(input({ userIdleSec: 10 * 60, ownerCpuPct: 10, running: 1 })).suspend).toBe(false)
  })

  it('does not suspend an idle user\'s tasks: input younger than the threshold means active', () => {
    const p = new SharingPolicy({ activeThresholdSec: 30 })
    expect(p.evaluate(input({ userIdleSec: 10, running: 1 })).suspend).toBe(true)
    expect(policy().evaluate(input({ userIdleSec: 10, running: 1 })).suspend).toBe(false)
  })

  it('clears the latch when nothing runs', () => {
    const p = policy()
    expect(p.evaluate(input({ userIdleSec: 0, running: 1 })).suspend).toBe(true)
    expect(p.evaluate(input({ userIdleSec: 0, running: 0 }))).toMatchObject({ suspend: false, code: 'waiting-for-idle' })
    // a later task is not born suspended: the owner must come back while it runs
    expect(p.evaluate(input({ userIdleSec: 60, running: 1 })).suspend).toBe(false)
  })

  it('clears the latch when the mode changes away from idle-only (tasks resume)', () => {
    for (const mode of ['on', 'paused'] as const) {
      const p = policy()
      expect(p.evaluate(input({ userIdleSec: 0, running: 1 })).suspend).toBe(true)
      expect(p.evaluate(input({ settings: settings({ mode }), userIdleSec: 0, running: 1 })).suspend).toBe(false)
      expect(p.evaluate(input({ userIdleSec: 60, running: 1 })).suspend).toBe(false)
    }
  })

  it('a snooze stops claims but keeps the owner protected: suspended tasks stay suspended', () => {
    const p = policy()
    expect(p.evaluate(input({ userIdleSec: 0, running: 1 })).suspend).toBe(true)
    const snoozed = settings({ mode: 'idle-only', snooze: { until: null } })
    expect(p.evaluate(input({ settings: snoozed, userIdleSec: 1, running: 1 }))).toMatchObject({ effective: 'snoozed', code: 'snoozed', suspend: true })
    expect(p.evaluate(input({ settings: snoozed, userIdleSec: 5 * 60, running: 1 }))).toMatchObject({ effective: 'snoozed', claim: false, suspend: false })
  })
})

describe('SharingPolicy: idle-only headless (no idle source)', () => {
  const headless = (mono: number, ownerCpuPct: number, running = 0): PolicyInput => input({ userIdleSec: null, mono, ownerCpuPct, running })

  it('counts idle time from the first evaluation, then from the last time the owner\'s load was high', () => {
    const p = policy()
    const t0 = 100 * MIN
    expect(p.evaluate(headless(t0, 5))).toMatchObject({
      claim: false, code: 'waiting-for-idle', reason: "lends after 15 min with the owner's CPU load below 25% (below for 0 s)"
    })
    expect(p.evaluate(headless(t0 + 14 * MIN, 5)).claim).toBe(false)
    expect(p.evaluate(headless(t0 + 15 * MIN, 5))).toMatchObject({ claim: true, code: null })
    expect(p.evaluate(headless(t0 + 16 * MIN, 30))).toMatchObject({ claim: false, code: 'owner-busy' })
    expect(p.evaluate(headless(t0 + 17 * MIN, 5)).reason).toContain('(below for 1 min)')
  })

  it('suspends running tasks when the owner\'s load rises and resumes after M quiet minutes', () => {
    const p = policy()
    p.evaluate(headless(0, 5, 1))
    expect(p.evaluate(headless(20 * MIN, 5, 1)).suspend).toBe(false)
    expect(p.evaluate(headless(21 * MIN, 40, 1))).toMatchObject({ suspend: true, code: 'suspended' })
    expect(p.evaluate(headless(25 * MIN, 5, 1)).suspend).toBe(true)
    expect(p.evaluate(headless(26 * MIN, 5, 1)).suspend).toBe(false)
  })

  it('remembers the owner\'s load in other modes, so switching to idle-only knows the quiet time', () => {
    const p = policy()
    p.evaluate({ ...headless(0, 90), settings: settings() })
    p.evaluate({ ...headless(10 * MIN, 5), settings: settings() })
    expect(p.evaluate(headless(15 * MIN, 5)).claim).toBe(true)
  })
})

describe('handBackDue', () => {
  it('is due after handBackMin of suspension', () => {
    const s = settings({ handBackMin: 10 })
    expect(handBackDue(1000, 1000 + 10 * MIN - 1, s)).toBe(false)
    expect(handBackDue(1000, 1000 + 10 * MIN, s)).toBe(true)
  })
})

describe('formatting', () => {
  it('prints wall times as local HH:MM, naming the day when it is not today', () => {
    const now = new Date(2025, 5, 10, 9, 0).getTime()
    expect(formatClock(new Date(2025, 5, 10, 7, 5).getTime(), now)).toBe('07:05')
    expect(formatClock(new Date(2025, 5, 11, 9, 30).getTime(), now)).toBe('tomorrow 09:30')
    expect(formatClock(new Date(2025, 6, 1, 18, 0).getTime(), now)).toBe('2025-07-01 18:00')
  })

  it('prints durations rounded down', () => {
    expect([0, 59_999, 60_000, 14 * MIN + 59_000, 60 * MIN, 65 * MIN].map(formatDuration))
      .toEqual(['0 s', '59 s', '1 min', '14 min', '1 h', '1 h 5 min'])
  })
})
