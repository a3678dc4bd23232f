// What a command needs from the outside world; process streams in index.ts, fakes in tests.
import { createApiClient, readApiInfo, type ApiClient } from '../api/index.js'
import type { CliEnv } from './args.js'

export interface CliIo {
  stdout: { write: (text: string) => unknown }
  /** isTTY: progress is redrawn in place rather than printed line by line. */
  stderr: { write: (text: string) => unknown, isTTY?: boolean }
  env: CliEnv
  /** Aborting stops a running agent, `logs --follow` or `get`, like SIGINT does. */
  signal?: AbortSignal
}

/** Finds the peer serving dataDir (PeerNotRunningError when there is none). */
export async function connect (dataDir: string): Promise<ApiClient> {
  return createApiClient(await readApiInfo(dataDir))
}

export const printJson = (io: CliIo, value: unknown): void => {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n')
}
