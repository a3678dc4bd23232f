// The peer's own settings saved from the UI (name, bootstrap peers, Docker endpoint) in
// <dataDir>/config.json. Command-line flags win over them; most take effect at the next start.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerConfigUpdateSchema, type PeerConfigUpdate } from '../../shared/index.js'
// org-key.js, not the p2p index: the CLI saves settings without loading libp2p
import { writeSecretFile } from '../p2p/org-key.js'

export const SAVED_CONFIG_FILE = 'config.json'

/** The saved settings; none saved → {}. A broken file stops the start with its field named. */
export async function readSavedConfig (dataDir: string): Promise<PeerConfigUpdate> {
  const file = join(dataDir, SAVED_CONFIG_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new Error(`${file}: cannot be read (${(err as Error).message})`, { cause: err })
  }
  let raw: unknown
  try { raw = JSON.parse(text) } catch { throw new Error(`${file}: not valid JSON`) }
  const parsed = peerConfigUpdateSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`${file}: ${issue?.path.join('.') ?? 'file'}: ${issue?.message ?? 'invalid'}`)
  }
  return parsed.data
}

/** Merges `update` into the saved settings (written atomically, owner-only). */
export async function saveConfig (dataDir: string, update: PeerConfigUpdate): Promise<PeerConfigUpdate> {
  const next = { ...await readSavedConfig(dataDir), ...update }
  await writeSecretFile(join(dataDir, SAVED_CONFIG_FILE), JSON.stringify(next, null, 2) + '\n')
  return next
}
