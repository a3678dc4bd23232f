// The "New job" form. Checked with the shared schema before anything is sent; server-side
// ValidationErrors land on the field they name. Values stay after a submit, for variants.
import { useState, type FormEvent } from 'react'
import { FormError, TextAreaField, TextField } from '../components/field.js'
import { useFocusFirstInvalid } from '../components/use-focus-invalid.js'
import type { FieldErrors } from '../forms/field-errors.js'
import { DEFAULT_JOB_FORM, JOB_FIELDS, validateJobForm, type JobField, type JobFormValues } from '../forms/job-form.js'
import { errorsFromFailure } from '../forms/submit-error.js'
import { shortTaskId } from '../store/tasks.js'
import { appActions } from '../store/use-app.js'

export function JobForm (): React.JSX.Element {
  const [values, setValues] = useState<JobFormValues>(DEFAULT_JOB_FORM)
  const [errors, setErrors] = useState<FieldErrors<JobField>>({})
  const [busy, setBusy] = useState(false)
  const [submitted, setSubmitted] = useState<string | undefined>()
  const { formRef, focusInvalid } = useFocusFirstInvalid()

  const edit = (field: keyof JobFormValues) => (e: { target: { value: string } }): void => {
    setValues((v) => ({ ...v, [field]: e.target.value }))
    // The message was about the old value; keep the others until the next submit.
    setErrors((errs) => errs[field] === undefined ? errs : { ...errs, [field]: undefined })
  }

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    if (busy) return
    setSubmitted(undefined)
    const checked = validateJobForm(values)
    if (!checked.ok) {
      setErrors(checked.errors)
      focusInvalid()
      return
    }
    setBusy(true)
    try {
      const taskId = await appActions().submitTask(checked.request)
      setErrors({})
      setSubmitted(`Submitted task ${shortTaskId(taskId)}`)
      appActions().selectTask(taskId)
    } catch (err) {
      setErrors(errorsFromFailure(err, JOB_FIELDS, 'form'))
      focusInvalid()
    } finally {
      setBusy(false)
    }
  }

  const field = (name: Exclude<JobField, 'form'>) => ({
    id: `job-${name}`, value: values[name], onChange: edit(name), error: errors[name]
  })

  return (
    <form ref={formRef} aria-label='New job' className='card job-form' noValidate onSubmit={(e) => { void onSubmit(e) }}>
      <div className='job-grid'>
        <TextField {...field('image')} label='Image' type='text' placeholder='busybox:latest' className='wide' autoComplete='off' spellCheck={false} />
        <TextField {...field('command')} label='Command' type='text' placeholder='echo hello' hint='Runs with sh -c' className='wide' autoComplete='off' spellCheck={false} />
        <TextField {...field('cpu')} label='CPU' type='number' step='0.1' min='0.1' inputMode='decimal' hint='Cores, e.g. 0.5' />
        <TextField {...field('memory')} label='Memory' type='text' hint='e.g. 256m or 1g' autoComplete='off' spellCheck={false} />
        <TextField {...field('timeout')} label='Timeout' type='number' step='1' min='1' inputMode='numeric' hint='Seconds' />
        <TextAreaField {...field('env')} label='Environment' rows={3} hint='One NAME=value per line' className='full' spellCheck={false} />
        <TextAreaField
          {...field('inputs')} label='Input files' rows={2} className='full' spellCheck={false}
          placeholder='/home/me/data.csv' hint='Optional. Files or folders on this machine, full paths, one per line; the task reads /input/<name>'
        />
      </div>
      <FormError message={errors.form} />
      <div className='form-actions'>
        <button type='submit' className='btn btn-primary' disabled={busy}>Submit</button>
        {busy && <span className='muted'>{values.inputs.trim() === '' ? 'Submitting…' : 'Submitting (adding the input files)…'}</span>}
        {submitted !== undefined && <span role='status' className='ok-text'>{submitted}</span>}
      </div>
    </form>
  )
}
