// Usage text of every mcloud command, and the version.
import { readFileSync } from 'node:fs'

const DATA_DIR = '  --data-dir DIR     the peer\'s data dir (default: $MCLOUD_DATA_DIR or ~/.mutual-cloud)'
const JSON_FLAG = '  --json              print one JSON document instead of text'

export const USAGE: Record<string, string> = {
  main: `Usage: mcloud <command> [options]

Pool the idle CPU/RAM of an organisation's desktops into one peer-to-peer compute cloud.

Commands:
  agent     run a peer in the foreground (lends this machine, serves the local API)
  status    show this peer: id, addresses, API, organisation key
  peers     list known peers and what they lend
  submit    submit a container task
  ps        list tasks
  logs      print a task's output (--follow to stream it until the task ends)
  cancel    cancel a task
  help      show help for a command

Run 'mcloud <command> --help' for a command's options. 'mcloud --version' prints the version.
Exit codes: 0 ok, 1 error, 2 bad input, 3 no peer running.`,

  agent: `Usage: mcloud agent [options]

Runs a peer until SIGINT/SIGTERM; the first signal stops it gracefully (running tasks are handed
back to the pool), a second one exits at once.

Options:
${DATA_DIR}
  --name NAME         a human name for this peer (default: the host name)
  --api-port N        local API port (default: 0, a free port)
  --listen MULTIADDR  a libp2p listen address; repeatable (e.g. /ip4/0.0.0.0/tcp/4001)
  --bootstrap MULTIADDR
                      a peer to dial at start; repeatable (…/p2p/12D3Koo…)
  --org-key FILE      the organisation key file (peers only talk to the same organisation;
                      default DATA_DIR/org.key, created on first start: copy it to colleagues)
  --lease-ttl SECONDS how long a task lease lives without a heartbeat
  --no-mdns           do not discover peers on the local network`,

  status: `Usage: mcloud status [options]

Shows the local peer: id, addresses, connected peers, API URL, data dir, organisation key.

Options:
${DATA_DIR}
${JSON_FLAG}`,

  peers: `Usage: mcloud peers [options]

Lists the peers this peer knows, whether they are connected and what they lend.

Options:
${DATA_DIR}
${JSON_FLAG}`,

  submit: `Usage: mcloud submit --image IMAGE --cmd "COMMAND" [options]
       mcloud submit --image IMAGE [options] -- ARGV...

Submits a container task; prints its id.

Options:
  --image IMAGE         container image (required)
  --cmd "COMMAND"       shell command, run as: sh -c "COMMAND"
  -- ARGV...            or: the literal argv after --
  --cpu N               CPU cores (default 1; at least 0.1)
  --mem SIZE            memory, e.g. 256m or 1g (default 256m)
  --timeout SECONDS     wall-clock limit (default 3600)
  --env K=V             environment variable; repeatable
  --max-attempts N      how many times the task may be started (default 3)
  --retry-on-failure    also retry when the command exits non-zero
${DATA_DIR}
${JSON_FLAG}`,

  ps: `Usage: mcloud ps [options]

Lists tasks: id, status, lease epoch, holder, attempts, exit code, image.

Options:
${DATA_DIR}
${JSON_FLAG}`,

  logs: `Usage: mcloud logs TASK [options]

Prints a task's output. TASK is a task id or a unique prefix of at least 6 characters.

Options:
  -f, --follow        keep streaming until the task succeeds, fails or is cancelled
${DATA_DIR}
${JSON_FLAG}`,

  cancel: `Usage: mcloud cancel TASK [options]

Cancels a task. TASK is a task id or a unique prefix of at least 6 characters.

Options:
${DATA_DIR}
${JSON_FLAG}`
}

export function readVersion (): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}
