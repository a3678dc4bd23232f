// When each released root was released, persisted as a small JSON file so a restart neither
// forgets what may go nor collects early. A root absent from the file is kept (never released, or
// retained again). A damaged file is read as empty: keeping content too long beats losing inputs.
import { readFile, rename, writeFile } from 'node:fs/promises'

interface RetentionFileBody { version: 1, released: Record<string, number> }

export class RetentionState {
  private readonly released = new Map<string, number>()
  private writing: Promise<void> = Promise.resolve()

  private constructor (private readonly path: string, private readonly log: (msg: string) => void) {}

  static async load (path: string, log: (msg: string) => void): Promise<RetentionState> {
    const state = new RetentionState(path, log)
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log(`content store: cannot read ${path} (${String(err)}); nothing counts as released`)
      return state
    }
    try {
      const body = JSON.parse(text) as Partial<RetentionFileBody>
      for (const [cid, at] of Object.entries(body.released ?? {})) {
        if (typeof at === 'number' && Number.isFinite(at)) state.released.set(cid, at)
      }
    } catch (err) {
      log(`content store: ${path} is damaged (${String(err)}); nothing counts as released, the file is rewritten at the next change`)
    }
    return state
  }

  release (cid: string, at: number): void {
    this.released.set(cid, at)
    this.save()
  }

  retain (cid: string): void {
    if (this.released.delete(cid)) this.save()
  }

  /** Roots released at or before `cutoff`. */
  expired (cutoff: number): string[] {
    return [...this.released].filter(([, at]) => at <= cutoff).map(([cid]) => cid)
  }

  forget (cids: string[]): void {
    let changed = false
    for (const cid of cids) changed = this.released.delete(cid) || changed
    if (changed) this.save()
  }

  /** Resolves once every change so far is on disk. */
  async flush (): Promise<void> {
    await this.writing
  }

  // Writes are chained so an older snapshot never lands after a newer one.
  private save (): void {
    const body: RetentionFileBody = { version: 1, released: Object.fromEntries(this.released) }
    const tmp = `${this.path}.tmp`
    this.writing = this.writing.then(async () => {
      await writeFile(tmp, JSON.stringify(body) + '\n')
      await rename(tmp, this.path)
    }).catch((err: unknown) => { this.log(`content store: cannot write ${this.path}: ${String(err)}`) })
  }
}
