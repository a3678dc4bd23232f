// "Sharing settings": the owner's caps and idle policy. Saves only the fields that changed.
import type { SharingSettings } from '../../shared/sharing.js'
import { CheckboxField, FormError, TextField } from '../components/field.js'
import { useSettingsForm } from '../components/use-settings-form.js'
import { SHARING_FIELDS, sharingFormValues, validateSharingForm, type SharingFormValues } from '../forms/sharing-form.js'
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
  const { values, errors, saved, busy, formRef, setValue, onSubmit } = useSettingsForm({
    source: settings,
    toValues: sharingFormValues,
    validate: validateSharingForm,
    save: async (update) => ({ source: (await appActions().updateSharing(update)).settings, message: 'Saved' }),
    fields: SHARING_FIELDS
  })

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
