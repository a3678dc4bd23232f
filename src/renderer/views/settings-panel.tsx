// Settings: lending caps and idle policy, the organisation key, and this peer's own settings.
import { WithResource } from '../components/load-state.js'
import { appActions, useApp } from '../store/use-app.js'
import { OrganisationSection } from './organisation-section.js'
import { PeerSettingsForm } from './peer-settings-form.js'
import { SharingSettingsForm } from './sharing-settings-form.js'

export function SettingsPanel (): React.JSX.Element {
  const lending = useApp((s) => s.lending)
  const config = useApp((s) => s.config)
  return (
    <div className='stack'>
      <section aria-labelledby='sharing-settings-title'>
        <h2 id='sharing-settings-title'>Sharing settings</h2>
        <WithResource resource={lending} onRetry={() => { void appActions().refreshLending() }}>
          {(view) => <SharingSettingsForm settings={view.settings} />}
        </WithResource>
      </section>
      <WithResource resource={config} onRetry={() => { void appActions().refreshConfig() }}>
        {(c) => (
          <>
            <OrganisationSection fingerprint={c.orgFingerprint} restartRequired={c.restartRequired} />
            <section aria-labelledby='peer-settings-title'>
              <h2 id='peer-settings-title'>Peer settings</h2>
              <PeerSettingsForm config={c} />
            </section>
          </>
        )}
      </WithResource>
    </div>
  )
}
