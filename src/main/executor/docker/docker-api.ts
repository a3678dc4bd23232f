// The few daemon calls dockerode's typed API does not give us as needed: a ping that can be
// aborted, and a `wait` whose registration we can await before starting the container.
import type Dockerode from 'dockerode'
import type { IncomingMessage } from 'node:http'

interface DialOptions {
  path: string
  method: 'GET' | 'POST'
  statusCodes: Record<number, true | string>
  options?: Record<string, unknown>
  isStream?: boolean
  abortSignal?: AbortSignal
}

async function dial<T> (docker: Dockerode, opts: DialOptions): Promise<T> {
  return await new Promise<T>((resolve, reject) => {
    docker.modem.dial(opts, (err: unknown, data: unknown) => {
      if (err != null) reject(err instanceof Error ? err : new Error(String(err)))
      else resolve(data as T)
    })
  })
}

/** Resolves when the daemon answers /_ping; rejects on error or when `signal` aborts. */
export async function ping (docker: Dockerode, signal: AbortSignal): Promise<void> {
  await dial(docker, { path: '/_ping', method: 'GET', statusCodes: { 200: true, 500: 'server error' }, abortSignal: signal })
}

export interface ExitStatus {
  StatusCode: number
  Error?: { Message?: string } | null
}

/**
 * Registers `wait?condition=next-exit` and resolves once the daemon has accepted it (it flushes the
 * response headers at once), so a container started afterwards cannot exit unseen. The returned
 * `exited` resolves with the exit status, or rejects when the daemon connection breaks.
 */
export async function registerExitWait (docker: Dockerode, containerId: string): Promise<{ exited: Promise<ExitStatus> }> {
  const res = await dial<IncomingMessage>(docker, {
    path: `/containers/${containerId}/wait?`,
    method: 'POST',
    options: { condition: 'next-exit' },
    isStream: true,
    statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error' }
  })
  const exited = new Promise<ExitStatus>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    res.on('data', (chunk: Buffer) => {
      // the body is one small JSON object; anything larger is not a wait answer
      size += chunk.length
      if (size <= 64 * 1024) chunks.push(chunk)
    })
    res.on('error', reject)
    // 'close' before 'end': the daemon went away; after 'end' the promise is settled already
    res.on('close', () => { reject(new Error('connection to the docker daemon closed during wait')) })
    res.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<ExitStatus>
        if (typeof body.StatusCode !== 'number') throw new Error('wait answer has no StatusCode')
        resolve(body as ExitStatus)
      } catch (err) {
        reject(new Error(`connection to the docker daemon closed during wait (${(err as Error).message})`))
      }
    })
  })
  // the caller may abandon `exited` (e.g. start failed): never an unhandled rejection
  exited.catch(() => {})
  return { exited }
}
