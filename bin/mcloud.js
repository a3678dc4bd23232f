#!/usr/bin/env node
// The mcloud launcher. The project runs from source: register tsx, then load the TypeScript CLI.
// Plain, old syntax on purpose, so an old Node gets the version message instead of a SyntaxError.
import { fileURLToPath } from 'url'

var MIN_MAJOR = 22
var MIN_MINOR = 12
var parts = process.versions.node.split('.').map(Number)
if (parts[0] < MIN_MAJOR || (parts[0] === MIN_MAJOR && parts[1] < MIN_MINOR)) {
  process.stderr.write(
    'mcloud: Node.js ' + MIN_MAJOR + '.' + MIN_MINOR + ' or newer is required; this is ' + process.version +
    ' (' + process.execPath + ').\n' +
    'Install Node 22 (https://nodejs.org) or run through npm, which uses the project\'s node@22: npx mcloud …\n'
  )
  process.exit(1)
}

var here = new URL('.', import.meta.url)
import('tsx/esm/api')
  .then(function (tsx) {
    // Point tsx at our tsconfig, not whatever tsconfig.json is in the user's current directory.
    tsx.register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', here)) })
    return import(new URL('../src/main/cli/index.ts', here).href)
  })
  .catch(function (err) {
    process.stderr.write('mcloud: failed to start: ' + (err && err.stack ? err.stack : String(err)) + '\n')
    process.exit(1)
  })
