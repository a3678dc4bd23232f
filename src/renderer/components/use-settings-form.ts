// The shared life of a settings form (peer settings, sharing settings): values that follow the
// saved settings unless the user is editing, per-field errors cleared on change, and a submit that
// validates, saves only what changed, and reports "Saved" or the server's error on its field.
import { useEffect, useState, type FormEvent } from 'react'
import type { FieldErrors, FieldMap } from '../forms/field-errors.js'
import { errorsFromFailure } from '../forms/submit-error.js'
import { useFocusFirstInvalid } from './use-focus-invalid.js'

export interface SettingsFormInit<S, V extends object, U extends object, F extends string> {
  /** The saved settings as the app knows them now. */
  source: S
  toValues: (source: S) => V
  validate: (values: V, base: S) => { ok: true, update: U } | { ok: false, errors: FieldErrors<F> }
  /** Saves a non-empty update; returns the new settings and the message to show. */
  save: (update: U) => Promise<{ source: S, message: string }>
  fields: FieldMap<F>
}

export function useSettingsForm<S, V extends object, U extends object, F extends string> (init: SettingsFormInit<S, V, U, F | 'form'>) {
  const [base, setBase] = useState(init.source)
  const [values, setValues] = useState(() => init.toValues(init.source))
  const [errors, setErrors] = useState<FieldErrors<F | 'form'>>({})
  const [saved, setSaved] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const { formRef, focusInvalid } = useFocusFirstInvalid()

  // Settings changed elsewhere (CLI, tray, another window): follow them unless the user is
  // editing. Keyed by their JSON so a new object with the same values (every poll) resets nothing.
  const sourceKey = JSON.stringify(init.source)
  useEffect(() => {
    if (JSON.stringify(values) === JSON.stringify(init.toValues(base))) setValues(init.toValues(init.source))
    setBase(init.source)
  }, [sourceKey])

  const setValue = <K extends keyof V>(key: K, value: V[K]): void => {
    setValues((v) => ({ ...v, [key]: value }))
    setErrors((errs) => ({ ...errs, [key]: undefined }))
    setSaved(undefined)
  }

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    setSaved(undefined)
    const checked = init.validate(values, base)
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
      const next = await init.save(checked.update)
      setBase(next.source)
      setValues(init.toValues(next.source))
      setSaved(next.message)
    } catch (err) {
      setErrors(errorsFromFailure(err, init.fields, 'form'))
      focusInvalid()
    } finally {
      setBusy(false)
    }
  }

  return { values, errors, saved, busy, formRef, setValue, onSubmit }
}
