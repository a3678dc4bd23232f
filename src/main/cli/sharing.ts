// mcloud sharing | why | hand-back: the owner's controls over lending, and "why isn't my task placed?".
import { parseMemoryMb, type LendingView, type SharingUpdate, type WhyResponse } from '../../shared/index.js'
import { parseDurationSec } from '../../shared/duration.js'
import { imagePatternProblem } from '../../shared/image-pattern.js'
import { formatClock, formatDuration } from '../../shared/time-format.js'
import { CLIENT_OPTIONS, parseCommandArgs, parseIntFlag, parseNumberFlag, resolveDataDir, UsageError } from './args.js'
import { connect, printJson, type CliIo } from './io.js'
import { checkTaskArg, resolveTaskId } from './tasks.js'

export const SHARING_OPTIONS = {
  ...CLIENT_OPTIONS,
  'max-cpu': { type: 'string' },
  'max-mem': { type: 'string' },
  'max-tasks': { type: 'string' },
  'idle-start': { type: 'string' },
  'idle-resume': { type: 'string' },
  'hand-back-after': { type: 'string' },
  'max-owner-cpu': { type: 'string' },
  'allow-network': { type: 'boolean' },
  'no-network': { type: 'boolean' },
  'allow-image': { type: 'string', multiple: true },
  'any-image': { type: 'boolean' },
  'max-task-cpu': { type: 'string' },
  'max-task-mem': { type: 'string' },
  'max-task-time': { type: 'string' },
  'max-task-input': { type: 'string' },
  'max-task-output': { type: 'string' }
} as const

/** Written for a per-task cap to lift it: the totals (--max-cpu, --max-mem) still apply. */
const NO_CAP = new Set(['none', 'any', 'unlimited'])

/** "3600", "90s", "30m", "2h", "1d" → whole seconds; null for none. */
export function parseTaskTime (text: string): number | null {
  if (NO_CAP.has(text.trim())) return null
  const sec = parseDurationSec(text)
  if (sec === undefined) throw new UsageError(`--max-task-time: expected seconds or a duration like 30m, 2h or 1d, or none, got "${text}"`)
  return sec
}

/** Image patterns as given, each checked by the same rule the settings schema applies. */
function parseImagePatterns (patterns: string[]): string[] {
  for (const p of patterns) {
    const problem = imagePatternProblem(p)
    if (problem !== undefined) throw new UsageError(`--allow-image: "${p}" ${problem}`)
  }
  return patterns
}

/** "1h", "3h", "30m", "90s", "1d", "until-resumed" → ms (null = until resumed). */
export function parseSnooze (text: string | undefined): number | null {
  if (text === undefined) throw new UsageError('snooze: give a duration like 1h, 3h or 30m, or until-resumed')
  if (text === 'until-resumed' || text === 'forever') return null
  // the unit is required here: a bare "2" could mean minutes or hours
  const sec = /[a-z]$/.test(text.trim()) ? parseDurationSec(text) : undefined
  if (sec === undefined) throw new UsageError(`snooze: expected a duration like 1h, 3h or 30m, or until-resumed, got "${text}"`)
  if (sec <= 0 || sec > 7 * 86_400) throw new UsageError('snooze: must be more than 0 and at most 7 days')
  return sec * 1000
}

/** Flags of `mcloud sharing set` (and of `mcloud agent`) → a settings update. */
export function settingsFromFlags (v: Partial<Record<keyof typeof SHARING_OPTIONS, string | string[] | boolean | undefined>>): SharingUpdate {
  const u: SharingUpdate = {}
  const str = (k: keyof typeof SHARING_OPTIONS): string | undefined => typeof v[k] === 'string' ? v[k] : undefined
  const maxCpu = str('max-cpu')
  if (maxCpu !== undefined) u.maxCpu = parseNumberFlag('--max-cpu', maxCpu, 'a number of cores')
  const maxMem = str('max-mem')
  if (maxMem !== undefined) {
    const mb = parseMemoryMb(maxMem)
    if (mb === undefined) throw new UsageError('--max-mem: expected a size like 512m or 4g')
    u.maxMemoryMb = mb
  }
  const maxTasks = str('max-tasks')
  if (maxTasks !== undefined) u.maxTasks = parseIntFlag('--max-tasks', maxTasks, 0, 64)
  const minutes = (flag: string, key: 'idleStartMin' | 'idleResumeMin' | 'handBackMin'): void => {
    const text = str(flag as keyof typeof SHARING_OPTIONS)
    if (text !== undefined) u[key] = parseNumberFlag(`--${flag}`, text, 'minutes')
  }
  minutes('idle-start', 'idleStartMin')
  minutes('idle-resume', 'idleResumeMin')
  minutes('hand-back-after', 'handBackMin')
  const ownerCpu = str('max-owner-cpu')
  if (ownerCpu !== undefined) u.maxOwnerCpuPct = parseNumberFlag('--max-owner-cpu', ownerCpu, 'a percentage')
  if (v['allow-network'] === true && v['no-network'] === true) throw new UsageError('--allow-network: give either --allow-network or --no-network')
  if (v['allow-network'] === true) u.allowNetwork = true
  if (v['no-network'] === true) u.allowNetwork = false
  const images = Array.isArray(v['allow-image']) ? v['allow-image'] : undefined
  if (images !== undefined && v['any-image'] === true) throw new UsageError('--allow-image: give either --allow-image PATTERN… or --any-image')
  // The patterns given replace the saved list, so what is allowed is exactly what was typed.
  if (images !== undefined) u.allowedImages = parseImagePatterns(images)
  if (v['any-image'] === true) u.allowedImages = []
  const taskCpu = str('max-task-cpu')
  if (taskCpu !== undefined) u.maxTaskCpu = NO_CAP.has(taskCpu.trim()) ? null : parseNumberFlag('--max-task-cpu', taskCpu, 'a number of cores or none')
  const taskMem = str('max-task-mem')
  if (taskMem !== undefined) u.maxTaskMemoryMb = parseSizeCap('--max-task-mem', taskMem, '512m or 4g')
  const taskTime = str('max-task-time')
  if (taskTime !== undefined) u.maxTaskTimeSec = parseTaskTime(taskTime)
  const taskInput = str('max-task-input')
  if (taskInput !== undefined) u.maxTaskInputMb = parseSizeCap('--max-task-input', taskInput)
  const taskOutput = str('max-task-output')
  if (taskOutput !== undefined) u.maxTaskOutputMb = parseSizeCap('--max-task-output', taskOutput)
  return u
}

/** "500m", "2g" → whole MiB; null for none. The settings schema checks the range and names the field. */
function parseSizeCap (flag: string, text: string, example = '500m or 2g'): number | null {
  if (NO_CAP.has(text.trim())) return null
  const mb = parseMemoryMb(text)
  if (mb === undefined) throw new UsageError(`${flag}: expected a size like ${example}, or none`)
  return mb
}

/** Setting names → the flag that sets them, so server-side errors name what the user typed. */
export const SETTING_FLAGS: Record<string, string> = {
  maxCpu: '--max-cpu', maxMemoryMb: '--max-mem', maxTasks: '--max-tasks', idleStartMin: '--idle-start',
  idleResumeMin: '--idle-resume', handBackMin: '--hand-back-after', maxOwnerCpuPct: '--max-owner-cpu', allowNetwork: '--allow-network',
  allowedImages: '--allow-image', maxTaskCpu: '--max-task-cpu', maxTaskMemoryMb: '--max-task-mem', maxTaskTimeSec: '--max-task-time',
  maxTaskInputMb: '--max-task-input', maxTaskOutputMb: '--max-task-output'
}

export async function sharingCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('sharing', argv, SHARING_OPTIONS, true)
  const [action, arg, extra] = positionals
  if (extra !== undefined || (arg !== undefined && action !== 'snooze')) throw new UsageError(`unexpected argument "${extra ?? arg}" (see: mcloud sharing --help)`)
  // Everything is checked before the peer is contacted: bad input never half-applies.
  const update = sharingUpdateFor(action, arg, values)
  const client = await connect(resolveDataDir(values['data-dir'], io.env))
  if (update === 'stop-now') {
    const { handedBack } = await client.stopNow()
    if (values.json === true) printJson(io, { handedBack })
    else io.stdout.write(`sharing paused; ${handedBack.length} running task${handedBack.length === 1 ? '' : 's'} handed back to other peers\n`)
    return 0
  }
  const view = update === undefined ? await client.sharing() : await client.updateSharing(update)
  if (values.json === true) printJson(io, view)
  else io.stdout.write(formatLending(view))
  return 0
}

/** The change an action asks for: undefined = just show, 'stop-now' = hand everything back. */
function sharingUpdateFor (action: string | undefined, arg: string | undefined, values: Parameters<typeof settingsFromFlags>[0]): SharingUpdate | 'stop-now' | undefined {
  switch (action) {
    case undefined:
      return undefined
    case 'on': case 'paused': case 'idle-only':
      // Choosing a mode ends a snooze: the owner said what they want now.
      return { mode: action, snooze: null }
    case 'resume':
      return { snooze: null }
    case 'snooze': {
      const ms = parseSnooze(arg)
      return { snooze: { until: ms === null ? null : Date.now() + ms } }
    }
    case 'stop-now':
      return 'stop-now'
    case 'set': {
      const update = settingsFromFlags(values)
      if (Object.keys(update).length === 0) throw new UsageError('set: give at least one setting, e.g. --max-cpu 2 (see: mcloud sharing --help)')
      return update
    }
    default:
      throw new UsageError(`unknown sharing action "${action}" (on, paused, idle-only, snooze, resume, stop-now, set)`)
  }
}

export async function whyCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('why', argv, CLIENT_OPTIONS, true)
  const prefix = checkTaskArg('why', positionals)
  const client = await connect(resolveDataDir(values['data-dir'], io.env))
  const why = await client.whyTask(await resolveTaskId(client, prefix))
  if (values.json === true) printJson(io, why)
  else io.stdout.write(formatWhy(why))
  return 0
}

export async function handBackCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('hand-back', argv, CLIENT_OPTIONS, true)
  const prefix = checkTaskArg('hand-back', positionals)
  const client = await connect(resolveDataDir(values['data-dir'], io.env))
  const result = await client.handBackTask(await resolveTaskId(client, prefix))
  if (values.json === true) printJson(io, result)
  else io.stdout.write(result.handedBack ? `${result.taskId} handed back to other peers\n` : `${result.taskId} was not handed back (it ended or was taken meanwhile)\n`)
  return 0
}

export function formatLending (v: LendingView): string {
  const s = v.settings
  const snooze = s.snooze === null ? '' : s.snooze.until === null ? ' (until resumed)' : ` (until ${formatClock(s.snooze.until, Date.now())})`
  const rows: Array<[string, string]> = [
    ['sharing', `${v.effective}${snooze}`],
    ['claiming', v.claiming ? 'yes' : `no — ${v.reason}`],
    ['lendable', `${v.lendableCpu} CPU, ${v.lendableMemMb} MiB`],
    ['lent now', `${v.heldCpu} CPU, ${v.heldMemMb} MiB in ${v.runningTasks} task${v.runningTasks === 1 ? '' : 's'}${v.suspendedTasks > 0 ? ` (${v.suspendedTasks} suspended)` : ''}`],
    ['machine', `${v.cores} cores, owner's CPU ${v.ownerCpuPct}%, ${v.availableMemMb} MiB free${v.userIdleSec === null ? '' : `, user idle ${Math.round(v.userIdleSec)} s`}`],
    ['caps', `${s.maxCpu} CPU, ${s.maxMemoryMb} MiB, ${s.maxTasks} tasks, network ${s.allowNetwork ? 'allowed' : 'not allowed'}`],
    ['per task', formatTaskPolicy(s)],
    ['idle-only', `lend after ${s.idleStartMin} min idle and owner CPU < ${s.maxOwnerCpuPct}%; resume after ${s.idleResumeMin} min; hand back after ${s.handBackMin} min suspended`]
  ]
  return rows.map(([k, val]) => `${k.padEnd(10)} ${val}`).join('\n') + '\n'
}

/** "images mcloud-test/*; at most 2 CPU, 1024 MiB, 1 h run time, 500 MiB of inputs" — what one task may be here. */
export function formatTaskPolicy (s: LendingView['settings']): string {
  const images = s.allowedImages.length === 0 ? 'any image' : `images ${s.allowedImages.join(', ')}`
  const caps = [
    s.maxTaskCpu === null ? '' : `${s.maxTaskCpu} CPU`,
    s.maxTaskMemoryMb === null ? '' : `${s.maxTaskMemoryMb} MiB`,
    s.maxTaskTimeSec === null ? '' : `${formatDuration(s.maxTaskTimeSec * 1000)} run time`,
    s.maxTaskInputMb === null ? '' : `${s.maxTaskInputMb} MiB of inputs`,
    s.maxTaskOutputMb === null ? '' : `${s.maxTaskOutputMb} MiB of outputs`
  ].filter(c => c !== '')
  return `${images}; ${caps.length === 0 ? 'no other per-task limit' : `at most ${caps.join(', ')}`}`
}

export function formatWhy (w: WhyResponse): string {
  const lines = [`${w.taskId.slice(0, 12)} ${w.status}: ${w.summary}`]
  for (const a of w.answers) lines.push(`  ${(a.name !== '' ? a.name : a.peerId.slice(-8)).padEnd(16)} ${a.code.padEnd(20)} ${a.message}`)
  return lines.join('\n') + '\n'
}
