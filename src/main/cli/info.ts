// mcloud status | peers: what the local peer knows about itself and the pool.
import { CLIENT_OPTIONS, parseCommandArgs, resolveDataDir } from './args.js'
import { formatPeers, formatStatus } from './format.js'
import { connect, printJson, type CliIo } from './io.js'

export async function statusCommand (argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('status', argv, CLIENT_OPTIONS, false)
  const client = await connect(resolveDataDir(values['data-dir'], io.env))
  const status = await client.status()
  if (values.json === true) printJson(io, status)
  else io.stdout.write(formatStatus(status))
  return 0
}

export async function peersCommand (argv: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs('peers', argv, CLIENT_OPTIONS, false)
  const client = await connect(resolveDataDir(values['data-dir'], io.env))
  const peers = await client.peers()
  if (values.json === true) printJson(io, peers)
  else io.stdout.write(formatPeers(peers))
  return 0
}
