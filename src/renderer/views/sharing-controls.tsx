// The owner's quick controls: the sharing mode, snoozes and "Stop now".
import type { LendingView, SharingSettingMode } from '../../shared/sharing.js'
import { appActions } from '../store/use-app.js'

const MODES: Array<{ mode: SharingSettingMode, label: string }> = [
  { mode: 'on', label: 'On' }, { mode: 'paused', label: 'Paused' }, { mode: 'idle-only', label: 'Idle only' }
]
const HOUR_MS = 3_600_000

export function SharingControls ({ lending }: { lending: LendingView }): React.JSX.Element {
  const snoozed = lending.effective === 'snoozed'
  const a = appActions()
  return (
    <div className='controls'>
      <div role='radiogroup' aria-label='Sharing' className='segmented'>
        {MODES.map(({ mode, label }) => (
          <label key={mode} className={lending.settings.mode === mode ? 'segment checked' : 'segment'}>
            <input
              type='radio'
              name='sharing-mode'
              value={mode}
              checked={lending.settings.mode === mode}
              onChange={() => { void a.setSharingMode(mode) }}
            />
            {label}
          </label>
        ))}
      </div>
      <div className='button-row'>
        <button type='button' className='btn' onClick={() => { void a.snooze(HOUR_MS) }}>Snooze 1 h</button>
        <button type='button' className='btn' onClick={() => { void a.snooze(3 * HOUR_MS) }}>Snooze 3 h</button>
        <button type='button' className='btn' onClick={() => { void a.snooze(null) }}>Snooze until resumed</button>
        {snoozed && <button type='button' className='btn btn-primary' onClick={() => { void a.resume() }}>Resume</button>}
        <button type='button' className='btn btn-danger' onClick={() => { void a.stopNow() }}>Stop now</button>
      </div>
    </div>
  )
}
