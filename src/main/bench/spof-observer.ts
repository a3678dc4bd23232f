// The SPOF experiment's view of the network: one ordinary peer (the submitter) reads every task's
// state from the DHT replicas, as any peer would, with no help from the control peer. It also
// brackets when each task succeeded: after the last read that did not see it, before the first that did.
import { isTerminal } from '../../shared/index.js'
import type { Peer } from '../peer/index.js'
import { selectedState, type SelectedState } from './spof-agreement.js'

export class DhtView {
  readonly taskIds: string[] = []
  /** The state last read of each task seen terminal: final, barring a commit written again at a higher seq. */
  private readonly terminal = new Map<string, SelectedState>()
  /** Start of the last read that found the task not yet succeeded (success came after it). */
  private readonly lastNotSucceeded = new Map<string, number>()
  /** End of the first read that found the task succeeded (success came before it). */
  private readonly firstSucceeded = new Map<string, number>()

  constructor (private readonly peer: Peer) {}

  add (taskId: string, submittedAt: number): void {
    this.taskIds.push(taskId)
    this.lastNotSucceeded.set(taskId, submittedAt)
  }

  get succeeded (): number { return this.firstSucceeded.size }
  get terminalCount (): number { return this.terminal.size }
  /** Tasks not yet seen in a terminal state. */
  get open (): number { return this.taskIds.length - this.terminal.size }

  /** Re-reads every task not yet seen terminal (a terminal state is final). */
  async refresh (): Promise<void> {
    await Promise.all(this.taskIds.filter(id => !this.terminal.has(id)).map(async id => { await this.read(id) }))
  }

  /**
   * The selected state of every task: fresh reads of the open ones, the last read of those already
   * seen terminal (reading 50 finished tasks twice a second would load the very peers being
   * measured). A row that differs from a remembered state is checked with freshStates.
   */
  async states (): Promise<Map<string, SelectedState | undefined>> {
    const out = new Map<string, SelectedState | undefined>()
    await Promise.all(this.taskIds.map(async id => { out.set(id, this.terminal.get(id) ?? await this.read(id)) }))
    return out
  }

  /** Fresh reads of `ids` (default every task). */
  async freshStates (ids: string[] = this.taskIds): Promise<Map<string, SelectedState | undefined>> {
    const out = new Map<string, SelectedState | undefined>()
    await Promise.all(ids.map(async id => { out.set(id, await this.read(id)) }))
    return out
  }

  /** Tasks seen terminal with a status other than succeeded. */
  get unsuccessful (): string[] {
    return [...this.terminal].filter(([, s]) => s.status !== 'succeeded').map(([id]) => id)
  }

  /** Tasks whose success is bracketed inside [from, to]: it surely happened in that window. */
  succeededWithin (from: number, to: number): number {
    let n = 0
    for (const [id, at] of this.firstSucceeded) if (this.lastNotSucceeded.get(id)! >= from && at <= to) n++
    return n
  }

  /** Tasks by final status as last read; 'unknown' for those never seen terminal. */
  statuses (): Record<string, number> {
    const out: Record<string, number> = {}
    for (const id of this.taskIds) {
      const s = this.terminal.get(id)?.status ?? 'unknown'
      out[s] = (out[s] ?? 0) + 1
    }
    return out
  }

  private async read (id: string): Promise<SelectedState | undefined> {
    const start = performance.now()
    let state: SelectedState | undefined
    try {
      const best = (await this.peer.leases.readState(id)).best
      state = best === undefined ? undefined : selectedState(best)
    } catch {
      return undefined
    }
    if (state !== undefined && isTerminal(state.status)) this.terminal.set(id, state)
    if (state?.status === 'succeeded') {
      if (!this.firstSucceeded.has(id)) this.firstSucceeded.set(id, performance.now())
    } else if (!this.firstSucceeded.has(id)) {
      this.lastNotSucceeded.set(id, start)
    }
    return state
  }
}
