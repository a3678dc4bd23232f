// The data dir: one peer at a time (a lock file holding the owner's pid), created 0700.
import { mkdir, open, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError'
  constructor (readonly dataDir: string, readonly pid: number) {
    super(`data dir ${dataDir} is in use by another peer (pid ${pid}); stop it or use another --data-dir`)
  }
}

const LOCK_FILE = 'peer.lock'

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err: any) {
    return err?.code === 'EPERM'
  }
}

/** Takes the data dir for this process; a lock left by a dead process (SIGKILL) is taken over. */
export async function lockDataDir (dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const path = join(dataDir, LOCK_FILE)
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fh = await open(path, 'wx', 0o600)
      await fh.writeFile(String(process.pid))
      await fh.close()
      return async () => { await rm(path, { force: true }) }
    } catch (err: any) {
      if (err?.code !== 'EEXIST') throw err
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim())
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new DataDirLockedError(dataDir, pid)
      if (pid === process.pid) throw new DataDirLockedError(dataDir, pid)
      await rm(path, { force: true })
    }
  }
  throw new DataDirLockedError(dataDir, -1)
}
