// Usage text of every mcloud command, and the version.
import { readFileSync } from 'node:fs'

const DATA_DIR = '  --data-dir DIR     the peer\'s data dir (default: $MCLOUD_DATA_DIR or ~/.mutual-cloud)'
const JSON_FLAG = '  --json              print one JSON document instead of text'

export const USAGE: Record<string, string> = {
  main: `Usage: mcloud <command> [options]

Pool the idle CPU/RAM of an organisation's desktops into one peer-to-peer compute cloud.

Commands:
  agent     run a peer in the foreground (lends this machine, serves the local API)
  serve     the same peer, with its UI in a browser on this machine (prints the URL)
  ui-url    print the URL of the running peer's web UI (token included)
  control   run a control peer: mirrors every task and node into PostgreSQL (or embedded PGlite)
  report    the control peer's report: tasks by status, success rate, nodes, recovery times, jobs
  status    show this peer: id, addresses, API, organisation key
  peers     list known peers and what they lend
  submit    submit a container task
  ps        list tasks
  logs      print a task's output (--follow to stream it until the task ends)
  cancel    cancel a task
  get       fetch a finished task's outputs into a folder on this machine
  why       ask every peer why a task is not placed (paused, too little memory, …)
  sharing   show or change what this machine lends (on, paused, idle-only, snooze, stop-now)
  hand-back give a task running here back to the pool at once
  org       the organisation key (create, join, show) and which peers are allowed or denied
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
  --deny PEERID       refuse this peer: no connection, its records ignored; repeatable
                      (added to the list saved by 'mcloud org deny')
  --allow PEERID      admit only the listed peers (and this one); repeatable (added to the
                      list saved by 'mcloud org allow'); a denied peer stays denied
  --lease-ttl SECONDS how long a task lease lives without a heartbeat
  --keep-data TIME    how long inputs and outputs of finished tasks stay in the data dir's
                      content store for other peers, e.g. 7d (default 24h)
  --no-mdns           do not discover peers on the local network
  --sharing MODE      on, paused or idle-only (saved; default: the saved mode, else on)
  --max-cpu N         most CPU cores lent at once (saved; default: all cores)
  --max-mem SIZE      most memory lent at once, e.g. 4g (saved; default: half the RAM)
  --max-tasks N       most tasks run at once (saved; default: one per core)
  --allow-network     let tasks that ask for it use the network (saved; default: no)
  --allow-image PATTERN
                      run only tasks whose image matches; repeatable, replaces the saved
                      list (e.g. 'mcloud-test/*' 'python:3.*', quoted for the shell; saved;
                      default: any image)
  --any-image         run tasks of any image again (clears the saved list)
  --max-task-cpu N    most CPU cores one task may ask for, or none (saved; default: none)
  --max-task-mem SIZE most memory one task may ask for, e.g. 2g, or none (saved; default: none)
  --max-task-time DURATION
                      longest timeout one task may have: seconds, 30m, 2h, 1d, or none
                      (saved; default: none)
  --max-task-input SIZE
                      most input data one task may bring, e.g. 500m, or none (saved;
                      default: none)
  --max-task-output SIZE
                      most output one task may leave in /output, e.g. 64m, or none
                      (saved; default: none, i.e. the 256 MiB /output)`,

  serve: `Usage: mcloud serve [options]

Runs a peer like 'mcloud agent' (same options) and serves its UI over HTTP + WebSocket on
127.0.0.1, protected by the API token; prints the URL to open (also: mcloud ui-url).
Build the UI first with 'npm run build:ui' ('npm run serve' does both).`,

  control: `Usage: mcloud control [--db postgres://user:password@host:5432/db] [options]

Runs an observing peer (it runs no tasks) that mirrors every task and node record it sees into a
database, for reports. Without --db (or DATABASE_URL) it uses embedded PostgreSQL (PGlite) in
DATA_DIR/control-db. Never needed for a task to run: stop it any time; it catches up at restart.
If the database goes away it keeps observing, buffers what it sees and catches up when it returns.
Takes the same options as 'mcloud agent'.

Its API (the URL it prints, bearer token in DATA_DIR/api-token) also serves:
  /?token=…                  the dashboard: tasks, history, live logs, nodes, recovery times
  GET /api/control/summary   tasks by status, success rate, nodes, recovery p50/p95/max, database
  GET /api/control/jobs      ?status=&limit=1..1000; /api/control/jobs/ID: transitions, recoveries
  GET /api/control/nodes     nodes with their last-hour utilisation
  GET /metrics               Prometheus text (send the token: authorization credentials_file)
'mcloud report' prints the summary and latest jobs.`,

  'ui-url': `Usage: mcloud ui-url [options]

Prints the URL of the running peer's web UI, token included: open it in a browser on this machine.

Options:
${DATA_DIR}
${JSON_FLAG}`,

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
  --network             the task needs network access (only peers that allow it take it)
  --input PATH          a file or folder on this machine the task reads at /input/<name of PATH>;
                        repeatable. The local peer adds it to its content store and serves it
                        to the peer that runs the task (it must stay running until then)
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
  -f, --follow        keep streaming until the task succeeds, fails or is cancelled, from whichever
                      peer runs it (a re-claim by another peer is followed and noted on stderr)
${DATA_DIR}
${JSON_FLAG}`,

  why: `Usage: mcloud why TASK [options]

Asks every connected peer why it does (not) run a task and sums the answers up, e.g.
"no peer can take it now — alice: paused by the owner; bob: needs 8 GiB memory but 3 GiB is lendable here".

Options:
${DATA_DIR}
${JSON_FLAG}`,

  sharing: `Usage: mcloud sharing [ACTION] [options]

Shows or changes what this machine lends. The owner always comes first.

Actions:
  (none)              show the mode, what is lendable and lent now, caps and idle policy
  on                  lend whenever there is room
  paused              claim nothing new (running tasks finish)
  idle-only           lend only after the user has been idle a while; when the user returns,
                      running tasks are suspended at once and handed back if it lasts
  snooze DURATION     pause for 1h, 3h, 30m… or until-resumed; ends by itself
  resume              end a snooze
  stop-now            pause and hand every running task back to other peers at once
  set                 change caps, the per-task policy and the idle policy (options below)

Options (set):
  --max-cpu N         most CPU cores lent at once
  --max-mem SIZE      most memory lent at once, e.g. 4g
  --max-tasks N       most tasks run at once
  --idle-start MIN    idle-only: minutes of user idle before lending starts (default 15)
  --idle-resume MIN   idle-only: minutes of idle before suspended tasks resume (default 5)
  --hand-back-after MIN
                      idle-only: minutes suspended before a task is handed back (default 10)
  --max-owner-cpu PCT idle-only: lend only while the owner's CPU load is below this (default 25)
  --allow-network / --no-network
                      whether tasks asking for the network may have it
  --allow-image PATTERN
                      run only tasks whose image matches; repeatable, replaces the list
                      (quote it for the shell: 'mcloud-test/*').
                      * matches within one path part, ** across parts; a pattern without
                      a tag allows every tag ("python" allows python:3.12); Docker Hub
                      names match either way ("busybox" = docker.io/library/busybox)
  --any-image         run tasks of any image (clears the list; the default)
  --max-task-cpu N    most CPU cores one task may ask for, or none
  --max-task-mem SIZE most memory one task may ask for, e.g. 2g, or none
  --max-task-time DURATION
                      longest timeout one task may have (seconds, 30m, 2h, 1d), or none;
                      tasks with a longer timeout are left to other peers
  --max-task-input SIZE
                      most input data one task may bring (all its inputs), e.g. 500m, or
                      none; tasks with more are left to other peers
  --max-task-output SIZE
                      most output one task may leave in /output, e.g. 64m, or none (the
                      256 MiB /output); a task leaving more fails
${DATA_DIR}
${JSON_FLAG}`,

  'hand-back': `Usage: mcloud hand-back TASK [options]

Stops a task running on this machine and gives it back to the pool, so another peer runs it now.

Options:
${DATA_DIR}
${JSON_FLAG}`,

  report: `Usage: mcloud report [options]

Prints what a control peer (mcloud control) recorded: tasks by status, success rate, nodes alive
and known, recovery times after a holder stopped (p50/p95/max), the state of its database, and
the most recently updated jobs. DATA_DIR must be the control peer's.

Options:
  --status STATUS     only jobs in this status (queued, leased, running, succeeded, failed, cancelled)
  --limit N           how many jobs to list, 1 to 1000 (default 20)
${DATA_DIR}
${JSON_FLAG}`,

  org: `Usage: mcloud org ACTION [options]

The organisation key decides who is a member: peers with another key (or none) cannot connect.
The allow and deny lists are this peer's own: they shut out single members without a new key.

Actions:
  create FILE         write a new organisation key to FILE (mode 0600) and print its fingerprint;
                      refuses to replace an existing file unless --force
  join FILE           check FILE and make it this peer's organisation key (DATA_DIR/org.key;
                      the previous key is kept in org.key.previous); a running peer saves it
                      and uses it after a restart
  show                the organisation key's fingerprint and the allow/deny lists
  deny PEERID...      refuse these peers: no connection (TCP, relay, WebRTC), and records they
                      signed are ignored even when another member passes them on
  allow PEERID...     admit only the listed peers (and this one); an empty list admits every member
                      A running peer applies list changes at once and hangs up on peers it no
                      longer admits; otherwise they are saved for its next start.

Options:
  --force             create: replace an existing file (peers holding the old key are cut off)
  --remove            deny/allow: take the peers off the list instead
${DATA_DIR}
${JSON_FLAG}`,

  get: `Usage: mcloud get TASK [DIR] [options]

Fetches what a finished task left in /output, from whichever peer holds it, into DIR on this
machine (default: the peer's DATA_DIR/outputs/TASK), showing the progress on stderr; prints
where the files are. TASK is a task id or a unique prefix of at least 6 characters.
Fails when the task has not finished or left no outputs.

Options:
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
