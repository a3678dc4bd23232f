// Makes the task's image present locally: use it when it is, else pull it within a bounded time.
import type Dockerode from 'dockerode'
import { PULL_PROGRESS_INTERVAL_MS } from './constants.js'

export interface EnsureImageOptions {
  pullTimeoutMs: number
  signal: AbortSignal
  onProgress: (line: string) => void
}

export function statusCode (err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode
  return typeof code === 'number' ? code : undefined
}

export async function isPresent (docker: Dockerode, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect()
    return true
  } catch (err) {
    if (statusCode(err) === 404) return false
    throw err
  }
}

/**
 * 'present' when the image is (now) local, 'missing' when the registry does not give it to us
 * in time. Throws only on daemon errors (the peer's problem, not the task's).
 */
export async function ensureImage (docker: Dockerode, image: string, opts: EnsureImageOptions): Promise<'present' | 'missing'> {
  if (await isPresent(docker, image)) return 'present'
  opts.onProgress(`pulling image ${image}`)
  const deadline = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.pullTimeoutMs)])
  try {
    // dockerode forwards abortSignal to the HTTP request, so a timed-out pull does not linger
    const stream = await docker.pull(image, { abortSignal: deadline })
    await new Promise<void>((resolve, reject) => {
      let lastShown = 0
      const onAbort = (): void => { (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.(); reject(new Error('pull timed out')) }
      deadline.addEventListener('abort', onAbort, { once: true })
      docker.modem.followProgress(stream, (err: Error | null) => {
        deadline.removeEventListener('abort', onAbort)
        if (err != null) reject(err)
        else resolve()
      }, (event: { status?: string, progress?: string, id?: string }) => {
        const now = Date.now()
        if (event.status == null || now - lastShown < PULL_PROGRESS_INTERVAL_MS) return
        lastShown = now
        opts.onProgress(`pull ${image}: ${[event.id, event.status, event.progress].filter(Boolean).join(' ')}`)
      })
    })
  } catch (err) {
    const code = statusCode(err)
    // 4xx/5xx from /images/create, a stream error or our deadline: the registry did not give it
    if (code !== undefined || deadline.aborted || !isConnectionError(err)) {
      opts.onProgress(`pull of ${image} failed: ${(err as Error).message.trim()}`)
      return 'missing'
    }
    throw err
  }
  return (await isPresent(docker, image)) ? 'present' : 'missing'
}

/** The daemon itself is unreachable (socket gone, refused): a peer problem. */
export function isConnectionError (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'EACCES', 'ETIMEDOUT'].includes(code)
}
