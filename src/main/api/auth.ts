// Bearer-token auth for the local API and the files that let local clients find it.
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto'
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { API_INFO_FILE, API_TOKEN_FILE, type ApiInfo } from '../../shared/api.js'

const TOKEN_BYTES = 32
// 32 bytes in base64url is 43 characters; anything shorter was not written by us.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43,}$/

/** Reads `<dataDir>/api-token`, or creates it (mode 0600) when it is missing or malformed. */
export async function loadOrCreateToken (dataDir: string): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const file = join(dataDir, API_TOKEN_FILE)
  const existing = await readFile(file, 'utf8').then((t) => t.trim(), () => undefined)
  if (existing !== undefined && TOKEN_PATTERN.test(existing)) {
    // An older or copied file may be group-readable; the token is a password.
    await chmod(file, 0o600)
    return existing
  }
  const token = randomBytes(TOKEN_BYTES).toString('base64url')
  await writeFileAtomic(file, token + '\n')
  return token
}

/** Constant-time comparison; hashing first makes the lengths equal so length leaks nothing. */
export function tokenMatches (presented: string | undefined, token: string): boolean {
  if (presented === undefined || presented === '') return false
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(token).digest()
  return timingSafeEqual(a, b)
}

/** Extracts the token of an `Authorization: Bearer …` header. */
export function bearerToken (header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return m?.[1]
}

export async function writeApiInfo (dataDir: string, info: ApiInfo): Promise<void> {
  await writeFileAtomic(join(dataDir, API_INFO_FILE), JSON.stringify(info, null, 2) + '\n')
}

/** Removes api.json only when it still describes this process (another peer may have taken over). */
export async function removeApiInfo (dataDir: string, port: number): Promise<void> {
  const file = join(dataDir, API_INFO_FILE)
  try {
    const info = JSON.parse(await readFile(file, 'utf8')) as Partial<ApiInfo>
    if (info.pid !== process.pid || info.port !== port) return
  } catch {
    return
  }
  await rm(file, { force: true })
}

async function writeFileAtomic (file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(tmp, content, { mode: 0o600 })
  try {
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}
