// File helpers for tests.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'

/** The sha256 of a file's bytes, hex; read as a stream, so a big file is never whole in memory. */
export async function sha256File (file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
