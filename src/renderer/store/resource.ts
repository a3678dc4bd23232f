// One piece of data fetched from the peer, with what the view needs to show loading and errors.
export interface Resource<T> {
  data: T | undefined
  /** A request is in flight. */
  loading: boolean
  /** The last request failed with this message (data, if any, is the last good one). */
  error: string | undefined
}

export const emptyResource = <T>(): Resource<T> => ({ data: undefined, loading: false, error: undefined })
export const startLoading = <T>(r: Resource<T>): Resource<T> => ({ ...r, loading: true })
export const loaded = <T>(data: T): Resource<T> => ({ data, loading: false, error: undefined })
export const failed = <T>(r: Resource<T>, error: string): Resource<T> => ({ ...r, loading: false, error })
/** The request could not reach the peer: keep the last data, show no error (the banner does). */
export const unreachable = <T>(r: Resource<T>): Resource<T> => ({ ...r, loading: false })

/** What a view shows for a resource. */
export type ResourcePhase = 'loading' | 'error' | 'ready'
export function resourcePhase (r: Resource<unknown>): ResourcePhase {
  if (r.data !== undefined) return 'ready'
  return r.error !== undefined ? 'error' : 'loading'
}
