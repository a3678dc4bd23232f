// Runs of one task that overlapped in time (bench partition): during a split longer than the lease
// TTL the far half may legitimately re-claim a task the near half still runs. What matters is how
// many, for how long, and whether any of them ended in two committed results.

export interface RunInterval { holder: string, epoch: number, start: number, end?: number }

export interface OverlapReport {
  /** Tasks with at least two runs (different holder or epoch) executing at the same moment. */
  tasks: number
  /** Sum over those tasks of the time two or more runs were executing at once. */
  totalOverlapMs: number
  maxOverlapMs: number
  examples: Array<{ taskId: string, overlapMs: number, runs: Array<{ holder: string, epoch: number }> }>
}

export class RunLog {
  private readonly runs = new Map<string, RunInterval[]>()

  start (taskId: string, holder: string, epoch: number, at: number): void {
    this.runs.set(taskId, [...this.runs.get(taskId) ?? [], { holder, epoch, start: at }])
  }

  end (taskId: string, holder: string, epoch: number, at: number): void {
    const run = this.runs.get(taskId)?.find(r => r.holder === holder && r.epoch === epoch && r.end === undefined)
    if (run !== undefined) run.end = at
  }

  /** Runs still open at `now` count as running until then. */
  overlaps (now: number): OverlapReport & { taskIds: string[] } {
    const found: Array<{ taskId: string, overlapMs: number, runs: RunInterval[] }> = []
    for (const [taskId, runs] of this.runs) {
      const ms = timeWithTwoOrMore(runs.map(r => [r.start, r.end ?? now]))
      if (ms > 0) found.push({ taskId, overlapMs: Math.round(ms), runs })
    }
    return {
      tasks: found.length,
      totalOverlapMs: found.reduce((a, f) => a + f.overlapMs, 0),
      maxOverlapMs: found.reduce((a, f) => Math.max(a, f.overlapMs), 0),
      examples: found.slice(0, 10).map(f => ({ taskId: f.taskId, overlapMs: f.overlapMs, runs: f.runs.map(r => ({ holder: r.holder, epoch: r.epoch })) })),
      taskIds: found.map(f => f.taskId)
    }
  }
}

/** Length of time covered by at least two of the intervals (sweep over their ends). */
export function timeWithTwoOrMore (intervals: Array<[number, number]>): number {
  const edges = intervals.flatMap(([a, b]) => [[a, 1], [b, -1]] as Array<[number, number]>)
  // An interval ending exactly where another starts does not overlap it: ends sort first.
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1])
  let depth = 0
  let since = 0
  let total = 0
  for (const [at, d] of edges) {
    if (depth >= 2) total += at - since
    depth += d
    since = at
  }
  return total
}
