// The organisation key: show it to give to a colleague, join another organisation, or start anew.
import { useState } from 'react'
import { importOrgKeySchema, type OrgKeyView } from '../../shared/api.js'
import { TextAreaField } from '../components/field.js'
import { errorsFromFailure } from '../forms/submit-error.js'
import { appActions } from '../store/use-app.js'

export function OrganisationSection ({ fingerprint, restartRequired }: { fingerprint: string, restartRequired: boolean }): React.JSX.Element {
  const [shown, setShown] = useState<OrgKeyView | undefined>()
  const [importing, setImporting] = useState(false)
  const [keyText, setKeyText] = useState('')
  const [error, setError] = useState<string | undefined>()
  const [message, setMessage] = useState<string | undefined>()
  const [restart, setRestart] = useState(false)

  const run = async (what: () => Promise<OrgKeyView>, after: (view: OrgKeyView) => void): Promise<void> => {
    setError(undefined)
    setMessage(undefined)
    try {
      const view = await what()
      if (view.restartRequired) setRestart(true)
      after(view)
    } catch (err) {
      setError(errorsFromFailure(err, { key: 'key' }, 'key').key)
    }
  }

  const exportKey = (): void => { void run(() => appActions().exportOrgKey(), setShown) }
  const join = (): void => {
    const parsed = importOrgKeySchema.safeParse({ key: keyText })
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? 'key is required')
      return
    }
    void run(() => appActions().importOrgKey(parsed.data.key), () => {
      setImporting(false)
      setKeyText('')
      setShown(undefined)
      setMessage('Joined: this computer uses the new organisation key after a restart.')
    })
  }
  const generate = (): void => {
    // A new key splits this computer off from every colleague until they import it too.
    const sure = window.confirm('Generate a new organisation key? This computer will stop seeing its colleagues after a restart until they import the new key.')
    if (!sure) return
    void run(() => appActions().generateOrgKey(), (view) => {
      setShown(view)
      setMessage('New key generated: give it to your colleagues.')
    })
  }

  return (
    <section aria-labelledby='org-title' className='card'>
      <h2 id='org-title'>Organisation</h2>
      <p>Fingerprint: <code className='fingerprint'>{shown?.fingerprint ?? fingerprint}</code></p>
      {(restart || restartRequired) && <p className='warning'>Restart Mutual Cloud to apply</p>}
      <div className='button-row'>
        <button type='button' className='btn' onClick={exportKey}>Export key</button>
        <button type='button' className='btn' aria-expanded={importing} onClick={() => { setImporting((x) => !x); setError(undefined) }}>Import key</button>
        <button type='button' className='btn btn-danger' onClick={generate}>Generate new key</button>
      </div>
      {message !== undefined && <p role='status' className='ok-text'>{message}</p>}
      {shown !== undefined && <ShownKey view={shown} />}
      {importing && (
        <div className='subform'>
          <TextAreaField
            id='org-import'
            label='Key to import'
            rows={3}
            value={keyText}
            onChange={(e) => { setKeyText(e.target.value); setError(undefined) }}
            error={error}
            spellCheck={false}
          />
          <button type='button' className='btn btn-primary' onClick={join}>Join organisation</button>
        </div>
      )}
      {!importing && error !== undefined && <p role='alert' className='form-error'>{error}</p>}
    </section>
  )
}

function ShownKey ({ view }: { view: OrgKeyView }): React.JSX.Element {
  const [copied, setCopied] = useState<string | undefined>()
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(view.key)
      setCopied('Copied')
    } catch {
      // No clipboard permission (e.g. an insecure origin): leave the text selected to copy by hand.
      const area = document.getElementById('org-key') as HTMLTextAreaElement | null
      area?.select()
      setCopied('Select and copy the key by hand (Ctrl+C)')
    }
  }
  return (
    <div className='subform'>
      <TextAreaField id='org-key' label='Organisation key' rows={3} value={view.key} readOnly spellCheck={false} onFocus={(e) => { e.target.select() }} />
      <div className='form-actions'>
        <button type='button' className='btn' onClick={() => { void copy() }}>Copy</button>
        {copied !== undefined && <span role='status' className='ok-text'>{copied}</span>}
      </div>
    </div>
  )
}
