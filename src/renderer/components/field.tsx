// Labelled form controls whose error sits right under the control (role="alert"), linked to it
// with aria-describedby and marked aria-invalid, as the UI contract asks.
import type { InputHTMLAttributes, TextareaHTMLAttributes } from 'react'

interface FieldFrame {
  id: string
  label: string
  error?: string | undefined
  /** A short example shown under the control, e.g. "256m or 1g". */
  hint?: string
}

function describedBy (id: string, error: string | undefined, hint: string | undefined): string | undefined {
  const ids = [error !== undefined ? `${id}-error` : undefined, hint !== undefined ? `${id}-hint` : undefined].filter((x) => x !== undefined)
  return ids.length > 0 ? ids.join(' ') : undefined
}

function Below ({ id, error, hint }: Omit<FieldFrame, 'label'>): React.JSX.Element {
  return (
    <>
      {error !== undefined && <p id={`${id}-error`} role='alert' className='field-error'>{error}</p>}
      {hint !== undefined && <p id={`${id}-hint`} className='field-hint'>{hint}</p>}
    </>
  )
}

type InputProps = FieldFrame & Omit<InputHTMLAttributes<HTMLInputElement>, 'id'>

export function TextField ({ id, label, error, hint, className, ...input }: InputProps): React.JSX.Element {
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error !== undefined} aria-describedby={describedBy(id, error, hint)} {...input} />
      <Below id={id} error={error} hint={hint} />
    </div>
  )
}

type AreaProps = FieldFrame & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'id'>

export function TextAreaField ({ id, label, error, hint, className, ...area }: AreaProps): React.JSX.Element {
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <textarea id={id} aria-invalid={error !== undefined} aria-describedby={describedBy(id, error, hint)} {...area} />
      <Below id={id} error={error} hint={hint} />
    </div>
  )
}

export function CheckboxField ({ id, label, error, hint, className, ...input }: InputProps): React.JSX.Element {
  return (
    <div className={`field field-check ${className ?? ''}`}>
      <input id={id} type='checkbox' aria-invalid={error !== undefined} aria-describedby={describedBy(id, error, hint)} {...input} />
      <label htmlFor={id}>{label}</label>
      <Below id={id} error={error} hint={hint} />
    </div>
  )
}

/** A message about the whole form (an error no field owns). */
export function FormError ({ message }: { message: string | undefined }): React.JSX.Element | null {
  return message === undefined ? null : <p role='alert' className='form-error'>{message}</p>
}
