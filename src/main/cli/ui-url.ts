// mcloud ui-url: the address of the web UI of the peer serving a data dir (token included).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { API_TOKEN_FILE } from '../../shared/index.js'
import { readApiInfo } from '../api/index.js'
import { CLIENT_OPTIONS, parseCommandArgs, resolveDataDir } from './args.js'
import { printJson, type CliIo } from './io.js'

/** `<api url>/?token=<token>`: the page reads the token once and drops it from the address bar. */
export async function uiUrl (dataDir: string, apiUrl: string): Promise<string> {
  const token = (await readFile(join(dataDir, API_TOKEN_FILE), 'utf8')).trim()
  return `${apiUrl.replace(/\/+$/, '')}/?token=${encodeURIComponent(token)}`
}

export async function uiUrlCommand (argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('ui-url', argv, CLIENT_OPTIONS, false)
  const dataDir = resolveDataDir(values['data-dir'], io.env)
  const info = await readApiInfo(dataDir)
  const url = await uiUrl(dataDir, info.url)
  if (values.json === true) printJson(io, { url })
  else io.stdout.write(url + '\n')
  return 0
}
