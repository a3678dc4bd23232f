// The owner's per-task policy: which images may run here, and how big or long one task may be
// (its CPU, memory, run time and input data).
// Unlike the lendable capacity these answers do not change with the load, so a task outside
// them is never claimed by this peer, however long it waits.
import { inputBytes, type SharingSettings } from '../../shared/index.js'
import { imageAllowed } from '../../shared/image-pattern.js'
import { formatDuration } from '../../shared/time-format.js'
import { formatCpu, formatMemory, type FitProblem, type ResourceRequest } from './capacity.js'

/** Two values that read the same rounded ("1 h" and "1 h") are shown exactly instead. */
function pair (need: number, cap: number, format: (x: number) => string, exact: (x: number) => string): [string, string] {
  const [a, b] = [format(need), format(cap)]
  return a === b ? [exact(need), exact(cap)] : [a, b]
}

const MIB = 2 ** 20

/** How many allowed patterns a refusal quotes before "…" (answers are at most 300 characters). */
const QUOTED_PATTERNS = 3

/**
 * null when the owner's policy accepts a task like `request`; otherwise why not. The image and
 * the run time are only judged when given: the scheduler's "is any slot free" probe has neither.
 * Every TaskSpec carries a timeoutSec (the submit default is 1 h, the schema caps it at 7 days, and
 * the executor kills the container when it runs out), so a task with no run time cannot exist:
 * the cap compares the longest the task may run against what the owner allows.
 * The input cap counts the bytes the spec declares for its inputs (each input's `bytes`): the
 * provider fetches that much before the task can start. (The output cap is the executor's: an
 * output is only known once the task has run.)
 */
export function taskPolicyProblem (request: ResourceRequest, settings: SharingSettings): FitProblem | null {
  if (request.image !== undefined && !imageAllowed(request.image, settings.allowedImages)) {
    const shown = settings.allowedImages.slice(0, QUOTED_PATTERNS).join(', ')
    const more = settings.allowedImages.length > QUOTED_PATTERNS ? ', …' : ''
    return { code: 'image-not-allowed', message: `image ${request.image.slice(0, 120)} is not allowed here (allowed: ${shown.slice(0, 120)}${more})` }
  }
  if (request.timeoutSec !== undefined && settings.maxTaskTimeSec !== null && request.timeoutSec > settings.maxTaskTimeSec) {
    const [need, cap] = pair(request.timeoutSec, settings.maxTaskTimeSec, s => formatDuration(s * 1000), s => `${s} s`)
    return { code: 'too-long', message: `may run ${need} (its timeout); this peer runs one task for at most ${cap}` }
  }
  const inputs = inputBytes(request.inputs)
  if (settings.maxTaskInputMb !== null && inputs > settings.maxTaskInputMb * MIB) {
    const [need, cap] = pair(inputs, settings.maxTaskInputMb * MIB, b => formatMemory(b / MIB), b => `${b} bytes`)
    return { code: 'inputs-too-big', message: `its inputs (${need}) exceed this peer's limit of ${cap}` }
  }
  if (settings.maxTaskMemoryMb !== null && request.memoryMb > settings.maxTaskMemoryMb) {
    const [need, cap] = pair(request.memoryMb, settings.maxTaskMemoryMb, formatMemory, mb => `${mb} MiB`)
    return { code: 'too-much-memory', message: `needs ${need} memory; this peer lends at most ${cap} per task` }
  }
  // a tenth of a core is the smallest step a request or a cap is given in: float dust is no excess
  if (settings.maxTaskCpu !== null && request.cpu > settings.maxTaskCpu + 1e-9) {
    return { code: 'too-much-cpu', message: `needs ${formatCpu(request.cpu)}; this peer lends at most ${formatCpu(settings.maxTaskCpu)} per task` }
  }
  return null
}
