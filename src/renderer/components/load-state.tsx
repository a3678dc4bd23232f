// What a view shows before its data is there: "Loading…", or the error with a Retry button.
import type { ReactNode } from 'react'
import { resourcePhase, type Resource } from '../store/resource.js'

export function Loading (): React.JSX.Element {
  return <p className='muted loading' role='status'>Loading…</p>
}

export function LoadError ({ message, onRetry }: { message: string, onRetry: () => void }): React.JSX.Element {
  return (
    <div className='load-error'>
      <p>Could not load: {message}</p>
      <button type='button' className='btn' onClick={onRetry}>Retry</button>
    </div>
  )
}

/** Renders `children(data)` once the resource has data; loading and error states before that. */
export function WithResource<T> ({ resource, onRetry, children }: {
  resource: Resource<T>
  onRetry: () => void
  children: (data: T) => ReactNode
}): React.JSX.Element {
  const phase = resourcePhase(resource)
  if (phase === 'loading') return <Loading />
  if (phase === 'error') return <LoadError message={resource.error ?? 'unknown error'} onRetry={onRetry} />
  return <>{children(resource.data as T)}</>
}
