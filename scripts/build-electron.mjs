#!/usr/bin/env node
// Bundles the desktop app's main process and preload with esbuild into dist/main/electron/.
//
//  - main.js (ESM, Electron ≥ 28 runs an ESM main): our sources bundled, every npm package left
//    external (node_modules ships with the app). It sits at the depth of its sources (dist/main/
//    electron ↔ src/main/api), so core modules' import.meta.url-relative paths (the UI dir for
//    `mcloud ui-url`, package.json for the version) resolve the same as when run from source.
//  - preload.cjs (CommonJS, one file): a sandboxed preload cannot import other files, and may
//    only require('electron'); the build fails if anything else is left to require.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SRC = path.join(ROOT, 'src/main/electron')
const OUT = path.join(ROOT, 'dist/main/electron')
// Electron 45 = Chromium 140 + Node 22.
const CHROME = 'chrome140'
const NODE = 'node22'

const common = { bundle: true, sourcemap: 'linked', logLevel: 'warning', legalComments: 'none', absWorkingDir: ROOT }

await Promise.all([
  build({
    ...common,
    entryPoints: [path.join(SRC, 'main.ts')],
    outfile: path.join(OUT, 'main.js'),
    platform: 'node',
    format: 'esm',
    target: [NODE, CHROME],
    packages: 'external'
  }),
  build({
    ...common,
    entryPoints: [path.join(SRC, 'preload.ts')],
    outfile: path.join(OUT, 'preload.cjs'),
    // browser: a Node built-in pulled in by mistake fails the build instead of failing at runtime
    platform: 'browser',
    format: 'cjs',
    target: CHROME,
    // not minified: ~2 KiB that a reviewer can read as shipped
    external: ['electron']
  })
])

const preload = await readFile(path.join(OUT, 'preload.cjs'), 'utf8')
const required = [...preload.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map(m => m[1]).filter(name => name !== 'electron')
if (required.length > 0) {
  console.error(`build-electron: the preload requires ${[...new Set(required)].join(', ')}; a sandboxed preload may only require electron`)
  process.exit(1)
}
console.log(`build-electron: ${path.relative(ROOT, OUT)}/main.js, preload.cjs (${(preload.length / 1024).toFixed(0)} KiB)`)
