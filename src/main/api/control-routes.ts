// The control peer's read routes (CONTROL_ROUTES) on the API server: history, reports and the
// Prometheus /metrics text. Only a control peer serves them; any other peer answers 404 saying so.
import { taskIdParamSchema } from '../../shared/api.js'
import { CONTROL_ROUTES, type ControlApi, type ControlJobsQuery } from '../../shared/control-api.js'
import { TASK_STATUSES, type TaskStatus } from '../../shared/schemas.js'
import { PROMETHEUS_CONTENT_TYPE } from '../control/prometheus.js'
import { HttpError, validationError } from './errors.js'
import { compileRoutes, matchPath, pathSegments } from './routes.js'

export type ControlRouteName = keyof typeof CONTROL_ROUTES

export type ControlReply =
  | { kind: 'json', status: number, body: unknown }
  | { kind: 'text', status: number, text: string, contentType: string }

const MAX_LIMIT = 1000
const JOBS_QUERY_KEYS = new Set(['status', 'limit'])

const COMPILED = compileRoutes(CONTROL_ROUTES)

/** Whether a request path belongs to the control routes (matched before the peer's own routes). */
export function isControlPath (pathname: string): boolean {
  return pathname === '/metrics' || pathname === '/api/control' || pathname.startsWith('/api/control/')
}

function match (method: string, pathname: string): { name: ControlRouteName, params: Record<string, string> } {
  const segments = pathSegments(pathname)
  for (const route of COMPILED) {
    const params = matchPath(route, segments)
    if (params === undefined) continue
    if (route.method !== method) throw new HttpError(405, 'NotFoundError', `method ${method} not allowed on ${pathname}`, undefined, { Allow: route.method })
    return { name: route.name, params }
  }
  throw new HttpError(404, 'NotFoundError', `no route ${method} ${pathname}`)
}

/** ?status=…&limit=… checked here, so a bad value is a 400 naming it rather than a database error. */
export function parseJobsQuery (search: URLSearchParams): ControlJobsQuery {
  for (const key of search.keys()) {
    if (!JOBS_QUERY_KEYS.has(key)) throw validationError(key, 'unknown query parameter (expected status or limit)')
    if (search.getAll(key).length > 1) throw validationError(key, 'given more than once')
  }
  const query: ControlJobsQuery = {}
  const status = search.get('status')
  if (status !== null) {
    if (!(TASK_STATUSES as readonly string[]).includes(status)) throw validationError('status', `must be one of ${TASK_STATUSES.join(', ')}`)
    query.status = status as TaskStatus
  }
  const limit = search.get('limit')
  if (limit !== null) {
    const n = /^\d{1,7}$/.test(limit) ? Number(limit) : NaN
    if (!(n >= 1 && n <= MAX_LIMIT)) throw validationError('limit', `must be a whole number from 1 to ${MAX_LIMIT}`)
    query.limit = n
  }
  return query
}

function taskIdOf (params: Record<string, string>): string {
  const parsed = taskIdParamSchema.safeParse(params)
  if (!parsed.success) throw validationError('id', parsed.error.issues[0]?.message ?? 'invalid task id')
  return parsed.data.id
}

/** The store's InvalidQueryError (a filter outside its domain) is the client's mistake: 400 naming the field. */
function asClientError (err: unknown): unknown {
  const e = err as { name?: unknown, field?: unknown, message?: unknown } | null
  if (e?.name !== 'InvalidQueryError' || typeof e.field !== 'string') return err
  const message = typeof e.message === 'string' ? e.message : 'invalid'
  return validationError(e.field, message.startsWith(`${e.field} `) ? message.slice(e.field.length + 1) : message)
}

/**
 * Answers one control route. `control` is undefined on a peer that is not a control peer (404)
 * and returns undefined while the control peer's database is still opening (503).
 */
export async function runControlRoute (control: (() => ControlApi | undefined) | undefined, method: string, url: URL): Promise<ControlReply> {
  if (control === undefined) throw new HttpError(404, 'NotFoundError', 'this peer is not a control peer (run mcloud control)')
  const { name, params } = match(method, url.pathname)
  // Bad input is reported as such whether or not the database is open yet.
  const query = name === 'controlJobs' ? parseJobsQuery(url.searchParams) : undefined
  const unexpected = name === 'controlJobs' ? undefined : [...url.searchParams.keys()][0]
  if (unexpected !== undefined) throw validationError(unexpected, 'unknown query parameter')
  const taskId = name === 'controlJob' ? taskIdOf(params) : undefined
  const api = control()
  if (api === undefined) throw new HttpError(503, 'InternalError', 'the control database is still opening; retry in a moment', undefined, { 'Retry-After': '2' })
  const json = (body: unknown): ControlReply => ({ kind: 'json', status: 200, body })
  try {
    switch (name) {
      case 'controlSummary': return json(await api.summary())
      case 'controlJobs': return json(await api.jobs(query!))
      case 'controlJob': return json(await api.job(taskId!))
      case 'controlNodes': return json(await api.nodes())
      case 'metrics': return { kind: 'text', status: 200, text: await api.metrics(), contentType: PROMETHEUS_CONTENT_TYPE }
    }
  } catch (err) {
    throw asClientError(err)
  }
}
