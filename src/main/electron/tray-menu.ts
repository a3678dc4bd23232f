// The tray's content as plain data: what the icon, tooltip and menu say for a given lending state.
// Pure (no electron import) so every label is unit-tested; tray.ts turns the model into a Menu.
import {
  formatClock, formatDuration, SHARING_SETTING_MODES,
  type LendingView, type SharingSettingMode, type SharingUpdate
} from '../../shared/index.js'

export type TrayIcon = 'on' | 'paused' | 'snoozed' | 'idle' | 'error'

export type TrayAction =
  | { type: 'set-mode', mode: SharingSettingMode }
  /** minutes null: until the owner resumes. */
  | { type: 'snooze', minutes: number | null }
  | { type: 'resume' }
  | { type: 'open' }
  | { type: 'quit' }

export type MenuItemModel =
  /** A line of text (disabled item): the menu is the only status surface on Linux trays. */
  | { kind: 'status', label: string }
  | { kind: 'separator' }
  | { kind: 'radio', label: string, checked: boolean, action: TrayAction }
  | { kind: 'action', label: string, action: TrayAction }

export interface TrayState {
  /** null while the peer starts (or when it failed to). */
  lending: LendingView | null
  /** Tasks running on this computer now. */
  running: number
  /** Wall-clock ms, for the snooze countdown. */
  now: number
  /** Something that stops lending and needs the owner (e.g. Docker missing), else null. */
  problem: string | null
}

export interface TrayModel { tooltip: string, icon: TrayIcon, items: MenuItemModel[] }

const MODE_LABELS: Record<SharingSettingMode, string> = { on: 'On', paused: 'Paused', 'idle-only': 'Idle only' }
export const SNOOZE_CHOICES = [
  { label: 'Snooze 1 h', minutes: 60 },
  { label: 'Snooze 3 h', minutes: 180 },
  { label: 'Snooze until resumed', minutes: null }
] as const
/** Windows truncates tray tooltips longer than this. */
const MAX_TOOLTIP = 127

const tasks = (n: number): string => `${n} ${n === 1 ? 'task' : 'tasks'}`

/** One line saying what this computer does for the others now. */
export function statusLine (lending: LendingView, running: number, now: number): string {
  switch (lending.effective) {
    case 'snoozed': {
      const until = lending.settings.snooze?.until ?? null
      if (until === null) return 'Snoozed until resumed'
      // Time left rounds up to the minute: right after "Snooze 1 h" it reads "1 h left", not "59 min".
      const left = Math.max(1, Math.ceil((until - now) / 60_000)) * 60_000
      return `Snoozed — ${formatDuration(left)} left (until ${formatClock(until, now)})`
    }
    case 'paused':
      // Pausing stops new claims; tasks already here run to their end.
      return running > 0 ? `Paused — finishing ${tasks(running)}` : 'Paused'
    case 'on':
      if (running > 0) return `Sharing — running ${tasks(running)}`
      return lending.claiming ? 'Sharing — ready for tasks' : `Sharing — ${lending.reason}`
    case 'idle-only':
      if (running > 0) return `Idle only — running ${tasks(running)}`
      if (lending.suspendedTasks > 0) return `Idle only — ${tasks(lending.suspendedTasks)} waiting for you to be away`
      return lending.claiming ? 'Idle only — ready for tasks' : `Idle only — ${lending.reason}`
  }
}

function iconFor (state: TrayState): TrayIcon {
  const l = state.lending
  if (state.problem !== null) return 'error'
  if (l === null) return 'idle'
  if (l.effective === 'snoozed') return 'snoozed'
  if (l.effective === 'paused') return 'paused'
  // idle-only that is not lending right now looks different from sharing at work
  if (l.effective === 'idle-only' && state.running === 0 && !l.claiming) return 'idle'
  return 'on'
}

export function trayMenuModel (state: TrayState): TrayModel {
  const l = state.lending
  const status = l === null ? (state.problem === null ? 'Starting…' : 'Not running') : statusLine(l, state.running, state.now)
  const lines: MenuItemModel[] = [{ kind: 'status', label: status }]
  if (state.problem !== null) lines.push({ kind: 'status', label: state.problem })
  const tooltip = [`Mutual Cloud — ${status}`, ...(state.problem === null ? [] : [state.problem])].join('\n')

  const sharing: MenuItemModel[] = l === null
    ? []
    : [
        { kind: 'separator' },
        ...SHARING_SETTING_MODES.map((mode): MenuItemModel => ({
          kind: 'radio', label: MODE_LABELS[mode], checked: l.settings.mode === mode, action: { type: 'set-mode', mode }
        })),
        { kind: 'separator' },
        ...SNOOZE_CHOICES.map(({ label, minutes }): MenuItemModel => ({ kind: 'action', label, action: { type: 'snooze', minutes } })),
        ...(l.effective === 'snoozed' ? [{ kind: 'action', label: 'Resume', action: { type: 'resume' } } as const] : [])
      ]
  const quit = state.running > 0 ? `Quit (hands ${tasks(state.running)} back)` : 'Quit'
  return {
    tooltip: tooltip.length > MAX_TOOLTIP ? `${tooltip.slice(0, MAX_TOOLTIP - 1)}…` : tooltip,
    icon: iconFor(state),
    items: [
      ...lines,
      ...sharing,
      { kind: 'separator' },
      { kind: 'action', label: 'Open Mutual Cloud', action: { type: 'open' } },
      { kind: 'action', label: quit, action: { type: 'quit' } }
    ]
  }
}

/** The settings change a sharing action makes; `now` is the click time (a snooze counts from it). */
export function sharingUpdateFor (action: TrayAction, now: number): SharingUpdate | null {
  switch (action.type) {
    // Same as the Lending view's radios: choosing a mode also ends a snooze.
    case 'set-mode': return { mode: action.mode, snooze: null }
    case 'snooze': return { snooze: { until: action.minutes === null ? null : now + action.minutes * 60_000 } }
    case 'resume': return { snooze: null }
    default: return null
  }
}
