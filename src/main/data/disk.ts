// The local-disk side of the content store: what a directory holds, file bytes as counted streams,
// and entry names that are safe to write.
import { createReadStream } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { UnsafeEntryNameError } from './errors.js'

export interface TreeEntry {
  /** Path below the listed directory, '/'-separated (what unixfs stores). */
  rel: string
  kind: 'file' | 'dir'
  size: number
  abs: string
}

/**
 * Everything under `root`, parents before children. Symlinks and special files are skipped: a task's
 * output may hold a link to the owner's files (~/.ssh), and following it would publish them.
 */
export async function listTree (root: string, log: (msg: string) => void): Promise<TreeEntry[]> {
  const out: TreeEntry[] = []
  const walk = async (abs: string, rel: string): Promise<void> => {
    const names = (await readdir(abs)).sort()
    for (const name of names) {
      const childAbs = join(abs, name)
      const childRel = rel === '' ? name : `${rel}/${name}`
      const st = await lstat(childAbs)
      if (st.isDirectory()) {
        out.push({ rel: childRel, kind: 'dir', size: 0, abs: childAbs })
        await walk(childAbs, childRel)
      } else if (st.isFile()) {
        out.push({ rel: childRel, kind: 'file', size: st.size, abs: childAbs })
      } else {
        log(`content store: skipped ${childAbs} (not a regular file or directory)`)
      }
    }
  }
  await walk(root, '')
  return out
}

/** A file's bytes as they are read; `count` sees each chunk first and may throw to stop the add. */
export async function * countedFile (path: string, count: (n: number) => void, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { signal })) {
    count((chunk as Buffer).byteLength)
    yield chunk as Buffer
  }
}

/** Bytes of the regular files under `dir` (0 when it does not exist). */
export async function dirBytes (dir: string): Promise<number> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
  let total = 0
  for (const name of names) {
    const st = await lstat(join(dir, name)).catch(() => null)
    if (st?.isDirectory() === true) total += await dirBytes(join(dir, name))
    else if (st?.isFile() === true) total += st.size
  }
  return total
}

/** `name` as a single path segment, or UnsafeEntryNameError: nothing may land outside the target. */
export function safeEntryName (cid: string, name: string): string {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) throw new UnsafeEntryNameError(cid, name)
  return name
}
