// Turns an API_ROUTES entry into a method and a path, so the web client follows the contract's
// route table instead of repeating its paths.
import { API_ROUTES } from '../../shared/api.js'

export type HttpRouteName = Exclude<keyof typeof API_ROUTES, 'events'>

export interface RouteCall { method: string, path: string }

/** `routeCall('whyTask', { id })` → `{ method: 'GET', path: '/api/tasks/<id>/why' }`. */
export function routeCall (name: HttpRouteName, params: Record<string, string> = {}): RouteCall {
  const [method = 'GET', pattern = '/'] = API_ROUTES[name].split(' ')
  const path = pattern.replace(/:(\w+)/g, (_m, key: string) => {
    const value = params[key]
    if (value === undefined) throw new Error(`route ${name}: missing parameter ${key}`)
    return encodeURIComponent(value)
  })
  return { method, path }
}

/** The event stream's path, from the same table. */
export const EVENTS_PATH = API_ROUTES.events.split(' ')[1] ?? '/api/events'
