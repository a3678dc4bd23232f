// The owner's sharing settings on disk (<dataDir>/settings.json): read once at start, changed only
// through update(), each change written atomically so a crash never leaves half a file.
import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { z } from 'zod'
import { sharingSettingsSchema, sharingUpdateSchema, type SharingSettings, type SharingUpdate } from '../../shared/index.js'
import { SETTINGS_FILE, SETTINGS_FILE_MODE } from './constants.js'
import { SettingsError, SettingsFileError } from './errors.js'

const KNOWN_KEYS = new Set(Object.keys(sharingSettingsSchema.shape))

/** The first problem zod found, as "field" + a message that names the field. */
function firstIssue (error: z.ZodError): { field: string, message: string } {
  const issue = error.issues[0]
  if (issue === undefined) return { field: '', message: 'invalid settings' }
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys
    return { field: keys[0] ?? '', message: `unknown ${keys.length === 1 ? 'setting' : 'settings'} ${keys.join(', ')}` }
  }
  const field = issue.path.map(String).join('.')
  // our schema's messages mostly start with the field already ("maxCpu must be at least 0")
  const message = field === '' || issue.message.startsWith(field.split('.')[0]!) ? issue.message : `${field}: ${issue.message}`
  return { field, message }
}

const messageOf = (err: unknown): string => err instanceof Error ? err.message : String(err)

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)

export class SettingsStore {
  /** Updates run one after another, each merging into what the previous one saved. */
  private queue: Promise<unknown> = Promise.resolve()

  private settings: SharingSettings

  private constructor (readonly path: string, settings: SharingSettings) {
    this.settings = deepFreeze(settings)
  }

  /**
   * Reads the settings; a missing file is created from `defaults`. A file that fails the schema,
   * or holds settings this version does not know, throws a SettingsFileError naming the field.
   */
  static async open (dataDir: string, defaults: SharingSettings): Promise<SettingsStore> {
    const path = join(dataDir, SETTINGS_FILE)
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new SettingsFileError(path, null, `cannot be read (${messageOf(err)})`, { cause: err })
      const settings = sharingSettingsSchema.parse(defaults)
      await mkdir(dataDir, { recursive: true, mode: 0o700 })
      await writeAtomically(path, settings)
      return new SettingsStore(path, settings)
    }
    return new SettingsStore(path, parseSettingsFile(path, text, defaults))
  }

  /**
   * The settings in force, frozen: they change only through update(), which replaces them. (A deep
   * copy per call was 2.5 % of a busy peer's CPU: every scheduler tick asks, per candidate task.)
   */
  get (): SharingSettings {
    return this.settings
  }

  /**
   * Validates `update` (a SettingsError names the bad field), merges it into the current settings
   * and saves them; resolves with the settings now in force. Concurrent updates apply in call order.
   */
  async update (update: SharingUpdate): Promise<SharingSettings> {
    const parsed = sharingUpdateSchema.safeParse(update)
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.error)
      throw new SettingsError(field, message)
    }
    const apply = async (): Promise<SharingSettings> => {
      const next = sharingSettingsSchema.parse({ ...this.settings, ...parsed.data })
      await writeAtomically(this.path, next)
      // memory follows the disk only once the write succeeded, so both always agree
      this.settings = deepFreeze(next)
      return this.settings
    }
    const result = this.queue.then(apply, apply)
    this.queue = result.catch(() => {})
    return await result
  }
}

function parseSettingsFile (path: string, text: string, defaults: SharingSettings): SharingSettings {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new SettingsFileError(path, null, `is not valid JSON (${messageOf(err)})`, { cause: err })
  }
  if (!isPlainObject(raw)) throw new SettingsFileError(path, null, 'must hold a JSON object of settings')
  // Settings from a newer version may mean limits this one would ignore: refuse rather than guess.
  const unknown = Object.keys(raw).filter(k => !KNOWN_KEYS.has(k))
  if (unknown.length > 0) {
    throw new SettingsFileError(path, unknown[0]!, `unknown ${unknown.length === 1 ? 'setting' : 'settings'} ${unknown.join(', ')} (written by a newer version?)`)
  }
  // a file from an older version lacks the newer keys: they take their defaults
  const parsed = sharingSettingsSchema.safeParse({ ...defaults, ...raw })
  if (!parsed.success) {
    const { field, message } = firstIssue(parsed.error)
    throw new SettingsFileError(path, field, message)
  }
  return parsed.data
}

/** Writes to a temp file beside the target, flushes it, then renames over: readers see old or new. */
async function writeAtomically (path: string, settings: SharingSettings): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    const fh = await open(tmp, 'wx', SETTINGS_FILE_MODE)
    try {
      await fh.writeFile(JSON.stringify(settings, null, 2) + '\n', 'utf8')
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}
