// Unpacks the tar the engine gives for a task's /output (`GET /containers/<id>/archive?path=/output`)
// into a host folder. The archive is the task's work, so it is untrusted: only regular files and
// folders are written, every name stays inside the folder, and the bytes are counted against a cap
// before they are written, so an output past the cap never reaches the disk.
import { mkdir, open } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { extract, type Header } from 'tar-stream'

/** Most files and folders taken from one output: an output of millions of empty files is refused, not walked. */
export const MAX_OUTPUT_ENTRIES = 100_000

export interface ExtractedOutput {
  /** Bytes of the regular files written. */
  bytes: number
  files: number
  /** Names of entries left out because they are neither a regular file nor a folder (symlinks, devices…). */
  skipped: string[]
}

/** The output is larger than the cap; nothing of it should be kept. */
export class OutputTooLargeError extends Error {
  override name = 'OutputTooLargeError'
  constructor (readonly maxBytes: number) {
    super(`output larger than ${mib(maxBytes)} MiB (the provider's limit)`)
  }
}

/** The archive is not one a task's /output can give (a name escaping the folder, too many entries, a broken tar). */
export class OutputArchiveError extends Error {
  override name = 'OutputArchiveError'
}

const mib = (bytes: number): string => String(Number((bytes / 2 ** 20).toFixed(2)))

/** How many entry names `skipped` keeps (the count is in the log line either way). */
const SKIPPED_KEPT = 20

/**
 * Writes the entries of `archive` (named `<root>/…`, as the engine names them for path /<root>)
 * into `dir`, which must exist and be empty. Rejects with OutputTooLargeError once the files
 * together would pass `maxBytes`, or OutputArchiveError for an archive no task can make.
 */
export async function extractOutputArchive (archive: Readable, dir: string, opts: { maxBytes: number, root?: string }): Promise<ExtractedOutput> {
  const root = opts.root ?? 'output'
  const untar = extract()
  archive.on('error', err => { untar.destroy(err) })
  archive.pipe(untar)
  const out: ExtractedOutput = { bytes: 0, files: 0, skipped: [] }
  let entries = 0
  let skippedCount = 0
  try {
    for await (const entry of untar) {
      const header = entry.header
      if (++entries > MAX_OUTPUT_ENTRIES) throw new OutputArchiveError(`output has more than ${MAX_OUTPUT_ENTRIES} files and folders`)
      const parts = relativeParts(header.name, root)
      if (parts.length === 0 || !isKept(header) || parts.some(p => p.includes('\\'))) {
        // the root folder itself (parts empty) carries nothing; anything else left out is said once
        if (parts.length > 0 && skippedCount++ < SKIPPED_KEPT) out.skipped.push(parts.join('/'))
        entry.resume()
        continue
      }
      const target = path.join(dir, ...parts)
      if (header.type === 'directory') {
        await mkdir(target, { recursive: true, mode: 0o755 })
        entry.resume()
        continue
      }
      if (out.bytes + header.size > opts.maxBytes) throw new OutputTooLargeError(opts.maxBytes)
      await mkdir(path.dirname(target), { recursive: true, mode: 0o755 })
      // 'wx': a name given twice, or a file where a folder was, is refused rather than overwritten
      const file = await open(target, 'wx', (header.mode & 0o111) !== 0 ? 0o755 : 0o644)
      try {
        for await (const chunk of entry as AsyncIterable<Buffer>) {
          out.bytes += chunk.length
          // the header's size is checked above; this holds even if a chunk disagreed with it
          if (out.bytes > opts.maxBytes) throw new OutputTooLargeError(opts.maxBytes)
          await file.write(chunk)
        }
      } finally {
        await file.close()
      }
      out.files++
    }
  } catch (err) {
    untar.destroy()
    archive.destroy()
    if (err instanceof OutputTooLargeError || err instanceof OutputArchiveError) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new OutputArchiveError(`output holds a name twice (${(err as Error).message})`)
    throw err
  }
  if (skippedCount > out.skipped.length) out.skipped.push(`… ${skippedCount - out.skipped.length} more`)
  return out
}

/**
 * Regular files and folders only: a symlink or hard link could point the write (or a later reader)
 * outside. (Names with a backslash are left out too: on a Windows host it would be a separator.)
 */
function isKept (header: Header): boolean {
  return header.type === 'file' || header.type === 'contiguous-file' || header.type === 'directory'
}

/**
 * The entry's path below `root` as safe parts. The engine names every entry `<root>/…`; anything
 * else, an absolute name, or a `..` part is refused: such a name never comes from a real /output.
 */
function relativeParts (name: string, root: string): string[] {
  if (name.startsWith('/') || name.includes('\0')) throw new OutputArchiveError(`output entry "${name.slice(0, 200)}" has an absolute or malformed name`)
  const parts = name.split('/').filter(p => p !== '' && p !== '.')
  if (parts.some(p => p === '..')) throw new OutputArchiveError(`output entry "${name.slice(0, 200)}" points outside /${root}`)
  if (parts[0] !== root) throw new OutputArchiveError(`output entry "${name.slice(0, 200)}" is not inside /${root}`)
  return parts.slice(1)
}
