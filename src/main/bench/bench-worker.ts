// Bench worker processes (the multi-process testbed, the flood bench's peer): forked the same way
// whether the bench runs from source (tsx, vitest) or built (dist), where the worker has this
// file's extension.
import { fork, type ChildProcess } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const REPO = resolve(HERE, '../../..')
const EXT = fileURLToPath(import.meta.url).endsWith('.ts') ? '.ts' : '.js'

/**
 * Forks `src/main/bench/<name>` with an IPC channel and its stderr piped (stdout ignored).
 * DEBUG is left out of its environment: libp2p's debug logs would flood the bench's own output.
 */
export function forkBenchWorker (name: string, env: NodeJS.ProcessEnv, execArgv: string[] = []): ChildProcess {
  const workerEnv = { ...env }
  delete workerEnv.DEBUG
  return fork(join(HERE, `${name}${EXT}`), [], { cwd: REPO, env: workerEnv, execArgv: ['--import', 'tsx', ...execArgv], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
}

/** Asks a worker to stop ({type: 'stop'} over IPC), kills it after `graceMs`, and resolves once it has exited. */
export async function stopBenchWorker (child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  if (child.connected) child.send({ type: 'stop' })
  const killer = setTimeout(() => { child.kill('SIGKILL') }, graceMs)
  await exited
  clearTimeout(killer)
}
