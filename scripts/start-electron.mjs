#!/usr/bin/env node
// `npm start`'s last step: launches the desktop app (`electron .`). electron@45 downloads its
// binary on first launch; where that cannot happen (no network), say so plainly instead of
// leaving the owner with a fetch stack trace.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ELECTRON = path.join(ROOT, 'node_modules', 'electron')

/** The binary electron's own launcher would run, or null when it is not there yet. */
function installedBinary () {
  const pathFile = path.join(ELECTRON, 'path.txt')
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : null
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  const binary = override !== undefined ? path.join(override, relative ?? 'electron') : relative !== null ? path.join(ELECTRON, 'dist', relative) : null
  return binary !== null && existsSync(binary) ? binary : null
}

if (installedBinary() === null) console.error('Electron\'s binary is not installed yet: downloading it now (first launch, ~100 MB from github.com)…')
const child = spawn(process.execPath, [path.join(ELECTRON, 'cli.js'), '.', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { child.kill(signal) })
child.on('close', (code, signal) => {
  if (code !== 0 && installedBinary() === null) {
    console.error([
      '',
      'Mutual Cloud could not start: the Electron binary is missing and could not be downloaded.',
      '  - With network access: run `npx install-electron` once, then `npm start` again.',
      '  - Offline: unpack Electron 45 for this platform somewhere and set ELECTRON_OVERRIDE_DIST_PATH to that folder.',
      '  - Without Electron: `npm run serve` runs the same peer and prints the URL of the same UI for a browser.'
    ].join('\n'))
  }
  process.exit(code ?? (signal !== null ? 1 : 0))
})
