// For a queued task: every peer's answer to "why don't you run it?", refreshed by store/sync.
import { WithResource } from '../components/load-state.js'
import { appActions, useApp } from '../store/use-app.js'

export function WhyNotPlaced (): React.JSX.Element {
  const why = useApp((s) => s.why)
  return (
    <section aria-label='Why not placed' className='why'>
      <h4>Why it is not placed yet</h4>
      <WithResource resource={why} onRetry={() => { void appActions().refreshWhy() }}>
        {(w) => (
          <>
            <p>{w.summary}</p>
            {w.answers.length > 0 && (
              <ul className='why-list'>
                {w.answers.map((a) => <li key={a.peerId}><strong>{a.name !== '' ? a.name : a.peerId.slice(-8)}</strong>: {a.message}</li>)}
              </ul>
            )}
          </>
        )}
      </WithResource>
    </section>
  )
}
