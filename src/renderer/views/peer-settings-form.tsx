// "Peer settings": this peer's name, bootstrap peers and Docker endpoint (applied at the next start)
// and the peers it denies or alone allows (applied at once).
import type { PeerConfigView } from '../../shared/api.js'
import { FormError, TextAreaField, TextField } from '../components/field.js'
import { useSettingsForm } from '../components/use-settings-form.js'
import { PEER_FIELDS, peerFormValues, validatePeerForm } from '../forms/peer-form.js'
import { appActions } from '../store/use-app.js'

export function PeerSettingsForm ({ config }: { config: PeerConfigView }): React.JSX.Element {
  const { values, errors, saved, busy, formRef, setValue, onSubmit } = useSettingsForm({
    source: config,
    toValues: peerFormValues,
    validate: validatePeerForm,
    save: async (update) => {
      const next = await appActions().updateConfig(update)
      return { source: next, message: next.restartRequired ? 'Saved; takes effect after a restart' : 'Saved' }
    },
    fields: PEER_FIELDS
  })

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
        <TextAreaField
          id='peer-deny' label='Denied peers' rows={3} value={values.denyPeers} className='span-3'
          onChange={(e) => { setValue('denyPeers', e.target.value) }} error={errors.denyPeers}
          hint='One peer id per line: no connection, and records they sign are ignored. Applied at once.' spellCheck={false}
        />
        <TextAreaField
          id='peer-allow' label='Allowed peers only' rows={3} value={values.allowPeers} className='span-3'
          onChange={(e) => { setValue('allowPeers', e.target.value) }} error={errors.allowPeers}
          hint='Empty: every member of the organisation. Otherwise only these peer ids (include relays and bootstrap peers).' spellCheck={false}
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
