// Turns an API_ROUTES (or CONTROL_ROUTES) entry into a method and a path, so the web client
// follows the contracts' route tables instead of repeating their paths.
import { API_ROUTES } from '../../shared/api.js'
import { CONTROL_ROUTES, TASK_LOG_STREAM_ROUTE } from '../../shared/control-api.js'

const HTTP_ROUTES = { ...API_ROUTES, ...CONTROL_ROUTES }

export type HttpRouteName = Exclude<keyof typeof HTTP_ROUTES, 'events'>

export interface RouteCall { method: string, path: string }

/**
 * `routeCall('whyTask', { id })` → `{ method: 'GET', path: '/api/tasks/<id>/why' }`; `query` entries
 * that are undefined are left out (`?status=failed&limit=50`).
 */
export function routeCall (name: HttpRouteName, params: Record<string, string> = {}, query: Record<string, string | undefined> = {}): RouteCall {
  const [method = 'GET', pattern = '/'] = HTTP_ROUTES[name].split(' ')
  const path = fillPath(name, pattern, params)
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined) search.set(key, value)
  const qs = search.toString()
  return { method, path: qs === '' ? path : `${path}?${qs}` }
}

function fillPath (name: string, pattern: string, params: Record<string, string>): string {
  return pattern.replace(/:(\w+)/g, (_m, key: string) => {
    const value = params[key]
    if (value === undefined) throw new Error(`route ${name}: missing parameter ${key}`)
    return encodeURIComponent(value)
  })
}

/** The event stream's path, from the same table. */
export const EVENTS_PATH = API_ROUTES.events.split(' ')[1] ?? '/api/events'

/** The live log relay's path for one task: `/api/tasks/<id>/logs` (a WebSocket on every peer). */
export const logStreamPath = (taskId: string): string =>
  fillPath('taskLogStream', TASK_LOG_STREAM_ROUTE.split(' ')[1] ?? '/api/tasks/:id/logs', { id: taskId })
