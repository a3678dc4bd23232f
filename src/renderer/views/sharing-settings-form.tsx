// "Sharing settings": the owner's caps, idle policy and per-task policy. Saves only the fields that changed.
import { TASK_OUTPUT_VOLUME_MB, type SharingSettings } from '../../shared/sharing.js'
import { CheckboxField, FormError, TextAreaField, TextField } from '../components/field.js'
import { useSettingsForm } from '../components/use-settings-form.js'
import { SHARING_FIELDS, sharingFormValues, validateSharingForm, type SharingFormValues } from '../forms/sharing-form.js'
import { appActions } from '../store/use-app.js'

type TextKey = Exclude<keyof SharingFormValues, 'allowNetwork' | 'allowedImages'>

const TEXT_FIELDS: Array<{ key: TextKey, label: string, hint?: string, type: 'number' | 'text' }> = [
  { key: 'maxCpu', label: 'Max CPU', hint: 'Cores lent at most, all tasks together', type: 'number' },
  { key: 'maxMemory', label: 'Max memory', hint: 'e.g. 4g or 512m', type: 'text' },
  { key: 'maxTasks', label: 'Max tasks', type: 'number' },
  { key: 'idleStartMin', label: 'Idle minutes before lending', hint: 'Idle only mode', type: 'number' },
  { key: 'idleResumeMin', label: 'Idle minutes before resuming', hint: 'Idle only mode', type: 'number' },
  { key: 'handBackMin', label: 'Hand back after minutes', hint: 'A task suspended this long goes to another peer', type: 'number' },
  { key: 'maxOwnerCpuPct', label: 'Max owner CPU %', hint: 'Lend only while your own CPU use is below this', type: 'number' }
]

/** The owner's per-task policy: a task outside it is left to other peers (and its submitter told why). */
const TASK_FIELDS: typeof TEXT_FIELDS = [
  { key: 'maxTaskCpu', label: 'Max CPU per task', hint: 'Empty: any task up to Max CPU', type: 'number' },
  { key: 'maxTaskMemory', label: 'Max memory per task', hint: 'e.g. 2g; empty: any task up to Max memory', type: 'text' },
  { key: 'maxTaskTime', label: 'Max run time per task', hint: 'e.g. 30m, 2h or 1d (the task\'s timeout); empty: no limit', type: 'text' },
  { key: 'maxTaskInput', label: 'Max input data per task', hint: 'e.g. 500m or 2g (all its inputs together); empty: no limit', type: 'text' },
  { key: 'maxTaskOutput', label: 'Max output per task', hint: `e.g. 64m; a task leaving more in /output fails; empty: ${TASK_OUTPUT_VOLUME_MB} MiB`, type: 'text' }
]

export function SharingSettingsForm ({ settings }: { settings: SharingSettings }): React.JSX.Element {
  const { values, errors, saved, busy, formRef, setValue, onSubmit } = useSettingsForm({
    source: settings,
    toValues: sharingFormValues,
    validate: validateSharingForm,
    save: async (update) => ({ source: (await appActions().updateSharing(update)).settings, message: 'Saved' }),
    fields: SHARING_FIELDS
  })

  const textField = ({ key, label, hint, type }: typeof TEXT_FIELDS[number]): React.JSX.Element => (
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
  )

  return (
    <form ref={formRef} aria-label='Sharing settings' className='card' noValidate onSubmit={(e) => { void onSubmit(e) }}>
      <div className='form-grid'>
        {TEXT_FIELDS.map(textField)}
        <CheckboxField
          id='sharing-allowNetwork'
          label='Allow network'
          checked={values.allowNetwork}
          onChange={(e) => { setValue('allowNetwork', e.target.checked) }}
          error={errors.allowNetwork}
          hint='Tasks that ask for the network may have it here'
        />
      </div>
      <h4>Each task</h4>
      <div className='form-grid'>
        {TASK_FIELDS.map(textField)}
        <TextAreaField
          id='sharing-allowedImages'
          label='Allowed images'
          className='full'
          rows={3}
          spellCheck={false}
          value={values.allowedImages}
          onChange={(e) => { setValue('allowedImages', e.target.value) }}
          error={errors.allowedImages}
          hint='One pattern per line, e.g. mcloud-test/* or python:3.*; empty: any image'
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
