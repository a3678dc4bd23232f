// The desktop app's transport: the preload exposes `window.mcloud`, which already implements
// MCloudApi over IPC. Errors are normalised so views handle them like the web client's.
import { API_METHODS, type MCloudApi } from '../../shared/api.js'
import { toApiError } from './errors.js'

/** The preload's bridge, when this page runs inside the desktop app. */
export function findBridge (): MCloudApi | undefined {
  // Read through globalThis rather than augmenting Window, so the preload's own typing of
  // `window.mcloud` can never conflict with a declaration here.
  const candidate = (globalThis as { mcloud?: unknown }).mcloud
  if (candidate === null || typeof candidate !== 'object') return undefined
  const bridge = candidate as Partial<MCloudApi>
  return typeof bridge.subscribe === 'function' && typeof bridge.status === 'function' ? bridge as MCloudApi : undefined
}

export function wrapBridge (bridge: MCloudApi): MCloudApi {
  const wrapped: Partial<Record<keyof MCloudApi, unknown>> = {}
  for (const method of API_METHODS) {
    const fn = bridge[method] as (...args: unknown[]) => Promise<unknown>
    wrapped[method] = async (...args: unknown[]) => {
      try {
        return await fn.apply(bridge, args)
      } catch (err) {
        throw toApiError(err)
      }
    }
  }
  wrapped.subscribe = (listener: Parameters<MCloudApi['subscribe']>[0]) => bridge.subscribe(listener)
  return wrapped as MCloudApi
}
