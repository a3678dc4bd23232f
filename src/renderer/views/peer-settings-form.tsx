// "Peer settings": this peer's name, bootstrap peers and Docker endpoint; applied at the next start.
import { useEffect, useState, type FormEvent } from 'react'
import type { PeerConfigView } from '../../shared/api.js'
import { FormError, TextAreaField, TextField } from '../components/field.js'
import { useFocusFirstInvalid } from '../components/use-focus-invalid.js'
import type { FieldErrors } from '../forms/field-errors.js'
import { PEER_FIELDS, peerFormValues, validatePeerForm, type PeerField, type PeerFormValues } from '../forms/peer-form.js'
import { errorsFromFailure } from '../forms/submit-error.js'
import { appActions } from '../store/use-app.js'

export function PeerSettingsForm ({ config }: { config: PeerConfigView }): React.JSX.Element {
  const [base, setBase] = useState(config)
  const [values, setValues] = useState(() => peerFormValues(config))
  const [errors, setErrors] = useState<FieldErrors<PeerField>>({})
  const [saved, setSaved] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const { formRef, focusInvalid } = useFocusFirstInvalid()

  // Follow changes made elsewhere unless the user is editing (same rule as the sharing form).
  const configKey = JSON.stringify(peerFormValues(config))
  useEffect(() => {
    if (JSON.stringify(values) === JSON.stringify(peerFormValues(base))) setValues(peerFormValues(config))
    setBase(config)
  }, [configKey])

  const setValue = (key: keyof PeerFormValues, value: string): void => {
    setValues((v) => ({ ...v, [key]: value }))
    setErrors((errs) => ({ ...errs, [key]: undefined }))
    setSaved(undefined)
  }

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    setSaved(undefined)
    const checked = validatePeerForm(values, config)
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
      const next = await appActions().updateConfig(checked.update)
      setBase(next)
      setValues(peerFormValues(next))
      setSaved(next.restartRequired ? 'Saved; takes effect after a restart' : 'Saved')
    } catch (err) {
      setErrors(errorsFromFailure(err, PEER_FIELDS, 'form'))
      focusInvalid()
    } finally {
      setBusy(false)
    }
  }

  return (
    <form ref={formRef} aria-label='Peer settings' className='card' noValidate onSubmit={(e) => { void onSubmit(e) }}>
      <div className='form-grid'>
        <TextField id='peer-name' label='Name' type='text' value={values.name} onChange={(e) => { setValue('name', e.target.value) }} error={errors.name} hint='How colleagues see this computer' />
        <TextField
          id='peer-docker' label='Docker endpoint' type='text' value={values.dockerHost} placeholder='default'
          onChange={(e) => { setValue('dockerHost', e.target.value) }} error={errors.dockerHost}
          hint='Empty: the default socket; or e.g. unix:///var/run/docker.sock, tcp://host:2375' spellCheck={false}
        />
        <TextAreaField
          id='peer-bootstrap' label='Bootstrap peers' rows={4} value={values.bootstrap} className='span-3'
          onChange={(e) => { setValue('bootstrap', e.target.value) }} error={errors.bootstrap}
          hint='One multiaddr per line, ending in /p2p/<peer id>' spellCheck={false}
        />
      </div>
      <p className='muted'>Data dir: <code>{config.dataDir}</code></p>
      <FormError message={errors.form} />
      <div className='form-actions'>
        <button type='submit' className='btn btn-primary' disabled={busy}>Save peer settings</button>
        {saved !== undefined && <span role='status' className='ok-text'>{saved}</span>}
      </div>
    </form>
  )
}
