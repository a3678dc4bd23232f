// The HTTP handlers: one per line of API_ROUTES, each a thin adapter over MCloudApi.
import { API_ROUTES, downloadOutputsRequestSchema, importOrgKeySchema, peerConfigUpdateSchema, submitTaskRequestSchema, taskIdParamSchema, type MCloudApi } from '../../shared/api.js'
import { sharingUpdateSchema } from '../../shared/sharing.js'
import { describeIssue, HttpError, validationError } from './errors.js'

export type RouteName = keyof typeof API_ROUTES
export type HttpRouteName = Exclude<RouteName, 'events'>

export interface RouteRequest {
  params: Record<string, string>
  /** Parsed JSON body; only read for routes listed in ROUTES_WITH_BODY. */
  body: unknown
}

export interface RouteResult { status: number, body: unknown }

type Handler = (api: MCloudApi, req: RouteRequest) => Promise<RouteResult>

export const ROUTES_WITH_BODY: ReadonlySet<HttpRouteName> = new Set(['submitTask', 'updateSharing', 'updateConfig', 'importOrgKey', 'downloadOutputs'])
/** Routes whose every body field is optional: an empty body means `{}` (`curl -X POST` works). */
export const ROUTES_WITH_OPTIONAL_BODY: ReadonlySet<HttpRouteName> = new Set(['downloadOutputs'])

const ok = (body: unknown): RouteResult => ({ status: 200, body })

function taskIdOf (params: Record<string, string>): string {
  const parsed = taskIdParamSchema.safeParse(params)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    throw validationError('id', first?.message ?? 'invalid task id')
  }
  return parsed.data.id
}

// Typed by HttpRouteName so adding a route to the contract without a handler fails to compile.
const HANDLERS: Record<HttpRouteName, Handler> = {
  status: async (api) => ok(await api.status()),
  peers: async (api) => ok(await api.peers()),
  listTasks: async (api) => ok(await api.listTasks()),
  getTask: async (api, req) => ok(await api.getTask(taskIdOf(req.params))),
  submitTask: async (api, req) => {
    const parsed = submitTaskRequestSchema.safeParse(req.body)
    if (!parsed.success) {
      const { field, message } = describeIssue(parsed.error.issues[0]!)
      throw validationError(field, message)
    }
    return { status: 201, body: await api.submitTask(parsed.data) }
  },
  cancelTask: async (api, req) => ok(await api.cancelTask(taskIdOf(req.params))),
  taskLogs: async (api, req) => ok(await api.taskLogs(taskIdOf(req.params))),
  whyTask: async (api, req) => ok(await api.whyTask(taskIdOf(req.params))),
  handBackTask: async (api, req) => ok(await api.handBackTask(taskIdOf(req.params))),
  downloadOutputs: async (api, req) =>
    ok(await api.downloadOutputs(taskIdOf(req.params), parseBody(downloadOutputsRequestSchema, req.body ?? {}))),
  sharing: async (api) => ok(await api.sharing()),
  updateSharing: async (api, req) => {
    const parsed = sharingUpdateSchema.safeParse(req.body)
    if (!parsed.success) {
      const { field, message } = describeIssue(parsed.error.issues[0]!)
      throw validationError(field, message)
    }
    return ok(await api.updateSharing(parsed.data))
  },
  stopNow: async (api) => ok(await api.stopNow()),
  config: async (api) => ok(await api.config()),
  updateConfig: async (api, req) => ok(await api.updateConfig(parseBody(peerConfigUpdateSchema, req.body))),
  exportOrgKey: async (api) => ok(await api.exportOrgKey()),
  importOrgKey: async (api, req) => ok(await api.importOrgKey(parseBody(importOrgKeySchema, req.body))),
  generateOrgKey: async (api) => ok(await api.generateOrgKey())
}

/** A body checked with its schema, or a ValidationError naming the first bad field. */
function parseBody<T> (schema: { safeParse: (v: unknown) => { success: true, data: T } | { success: false, error: { issues: Parameters<typeof describeIssue>[0][] } } }, body: unknown): T {
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    const { field, message } = describeIssue(parsed.error.issues[0]!)
    throw validationError(field, message)
  }
  return parsed.data
}

export interface CompiledRoute<N extends string = RouteName> {
  name: N
  method: string
  segments: string[]
}

/** A route table ('METHOD /path/:param' per name) split into segments once. */
export function compileRoutes<N extends string> (table: Record<N, string>): Array<CompiledRoute<N>> {
  return (Object.entries(table) as Array<[N, string]>).map(([name, spec]) => {
    const [method = '', path = ''] = spec.split(' ')
    return { name, method, segments: path.split('/').filter((s) => s !== '') }
  })
}

const COMPILED = compileRoutes(API_ROUTES)

/** The decoded segments of a request path, or 400 when its percent-encoding is malformed. */
export function pathSegments (pathname: string): string[] {
  try {
    return pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s))
  } catch {
    throw new HttpError(400, 'ValidationError', 'path: malformed percent-encoding', 'path')
  }
}

/** The route's `:params` when `segments` is its path, else undefined. */
export function matchPath (route: CompiledRoute<string>, segments: string[]): Record<string, string> | undefined {
  if (route.segments.length !== segments.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < segments.length; i++) {
    const want = route.segments[i]!
    const got = segments[i]!
    if (want.startsWith(':')) params[want.slice(1)] = got
    else if (want !== got) return undefined
  }
  return params
}

export type RouteMatch =
  | { kind: 'http', name: HttpRouteName, params: Record<string, string> }
  | { kind: 'ws' }

/** Resolves method + path to a route, or throws 404 / 405 (with an Allow header). */
export function matchRoute (method: string, pathname: string): RouteMatch {
  const segments = pathSegments(pathname)
  const allowed: string[] = []
  for (const route of COMPILED) {
    const params = matchPath(route, segments)
    if (params === undefined) continue
    if (route.method === 'WS') {
      if (method === 'GET') return { kind: 'ws' }
      allowed.push('GET')
    } else if (route.method === method) {
      return { kind: 'http', name: route.name as HttpRouteName, params }
    } else {
      allowed.push(route.method)
    }
  }
  if (allowed.length > 0) {
    throw new HttpError(405, 'NotFoundError', `method ${method} not allowed on ${pathname}`, undefined, { Allow: allowed.join(', ') })
  }
  throw new HttpError(404, 'NotFoundError', `no route ${method} ${pathname}`)
}

/** Whether an HTTP upgrade targets the WS route of the contract. */
export function isEventsPath (pathname: string): boolean {
  try {
    return matchRoute('GET', pathname).kind === 'ws'
  } catch {
    return false
  }
}

export function runRoute (api: MCloudApi, name: HttpRouteName, req: RouteRequest): Promise<RouteResult> {
  return HANDLERS[name](api, req)
}
