// The `mcloud` command (bin/mcloud.js loads this through tsx). Importing it runs the CLI;
// tests import runCli from ./run.js instead.
import { runCli } from './run.js'

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env })
process.exitCode = code
// Whatever a library left running (a socket, a timer) must not keep a finished command alive.
setTimeout(() => { process.exit(code) }, 3000).unref()
