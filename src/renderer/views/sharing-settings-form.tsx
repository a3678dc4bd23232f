// "Sharing settings": the owner's caps and idle policy. Saves only the fields that changed.
import { useEffect, useState, type FormEvent } from 'react'
import type { SharingSettings } from '../../shared/sharing.js'
import { CheckboxField, FormError, TextField } from '../components/field.js'
import { useFocusFirstInvalid } from '../components/use-focus-invalid.js'
import type { FieldErrors } from '../forms/field-errors.js'
import { SHARING_FIELDS, sharingFormValues, validateSharingForm, type SharingField, type SharingFormValues } from '../forms/sharing-form.js'
import { errorsFromFailure } from '../forms/submit-error.js'
import { appActions } from '../store/use-app.js'

type TextKey = Exclude<keyof SharingFormValues, 'allowNetwork'>

const TEXT_FIELDS: Array<{ key: TextKey, label: string, hint?: string, type: 'number' | 'text' }> = [
  { key: 'maxCpu', label: 'Max CPU', hint: 'Cores lent at most, all tasks together', type: 'number' },
  { key: 'maxMemory', label: 'Max memory', hint: 'e.g. 4g or 512m', type: 'text' },
  { key: 'maxTasks', label: 'Max tasks', type: 'number' },
  { key: 'idleStartMin', label: 'Idle minutes before lending', hint: 'Idle only mode', type: 'number' },
  { key: 'idleResumeMin', label: 'Idle minutes before resuming', hint: 'Idle only mode', type: 'number' },
  { key: 'handBackMin', label: 'Hand back after minutes', hint: 'A task suspended this long goes to another peer', type: 'number' },
  { key: 'maxOwnerCpuPct', label: 'Max owner CPU %', hint: 'Lend only while your own CPU use is below this', type: 'number' }
]

export function SharingSettingsForm ({ settings }: { settings: SharingSettings }): React.JSX.Element {
  const [base, setBase] = useState(settings)
  const [values, setValues] = useState(() => sharingFormValues(settings))
  const [errors, setErrors] = useState<FieldErrors<SharingField>>({})
  const [saved, setSaved] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const { formRef, focusInvalid } = useFocusFirstInvalid()

  // Settings changed elsewhere (CLI, tray): follow them unless the user is editing. Keyed by
  // their JSON so a new object with the same values (every poll) does not reset anything.
  const settingsKey = JSON.stringify(settings)
  useEffect(() => {
    const pristine = JSON.stringify(values) === JSON.stringify(sharingFormValues(base))
    if (pristine) setValues(sharingFormValues(settings))
    setBase(settings)
  }, [settingsKey])

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    setSaved(undefined)
    const checked = validateSharingForm(values, settings)
    if (!checked.ok) {
      setErrors(checked.errors)
      focusInvalid()
      return
    }
    setErrors({})
    if (Object.keys(checked.update).length === 0) {
      setSaved('Nothing to save')
      return
    }
    setBusy(true)
    try {
      const lending = await appActions().updateSharing(checked.update)
      setBase(lending.settings)
      setValues(sharingFormValues(lending.settings))
      setSaved('Saved')
    } catch (err) {
      setErrors(errorsFromFailure(err, SHARING_FIELDS, 'form'))
      focusInvalid()
    } finally {
      setBusy(false)
    }
  }

  const setValue = (key: keyof SharingFormValues, value: string | boolean): void => {
    setValues((v) => ({ ...v, [key]: value }))
    setErrors((errs) => ({ ...errs, [key]: undefined }))
    setSaved(undefined)
  }

  return (
    <form ref={formRef} aria-label='Sharing settings' className='card' noValidate onSubmit={(e) => { void onSubmit(e) }}>
      <div className='form-grid'>
        {TEXT_FIELDS.map(({ key, label, hint, type }) => (
          <TextField
            key={key}
            id={`sharing-${key}`}
            label={label}
            type={type}
            step={type === 'number' ? 'any' : undefined}
            value={values[key]}
            onChange={(e) => { setValue(key, e.target.value) }}
            error={errors[key]}
            {...(hint === undefined ? {} : { hint })}
          />
        ))}
        <CheckboxField
          id='sharing-allowNetwork'
          label='Allow network'
          checked={values.allowNetwork}
          onChange={(e) => { setValue('allowNetwork', e.target.checked) }}
          error={errors.allowNetwork}
          hint='Tasks that ask for the network may have it here'
        />
      </div>
      <FormError message={errors.form} />
      <div className='form-actions'>
        <button type='submit' className='btn btn-primary' disabled={busy}>Save</button>
        {saved !== undefined && <span role='status' className='ok-text'>{saved}</span>}
      </div>
    </form>
  )
}
