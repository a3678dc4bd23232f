// Where one peer run's time goes: the moments of a task's life read off the timeline (submitter,
// the provider that held the lease, its Docker calls), then the steps between them, aggregated
// over the runs. Every moment is in ms since the submit call began.
import { isTerminal, type TaskStatus } from '../../shared/index.js'
import { distribution, type Distribution } from './stats.js'
import type { Mark, Timeline } from './latency-trace.js'

/** A distribution with its smallest sample too (latency is about the floor as much as the tail). */
export interface Figure extends Distribution { min: number | null }

export function figure (values: number[]): Figure {
  const d = distribution(values)
  return { ...d, min: values.length === 0 ? null : Math.round(Math.min(...values)) }
}

/** The moments of one run; `submit` (0) is when the submit call began. */
export type Moment =
  | 'submit' | 'submitReturned' | 'sawTask' | 'claimReadStart' | 'claimReadEnd' | 'claimPutStart' | 'claimPutEnd'
  | 'claimRereadStart' | 'claimRereadEnd' | 'claimed' | 'heartbeatPutStart' | 'heartbeatPutEnd' | 'running' | 'execStart'
  | 'imageInspectStart' | 'imageInspectEnd' | 'createStart' | 'createEnd' | 'waitStart' | 'waitEnd' | 'attachStart'
  | 'attachEnd' | 'startStart' | 'startEnd' | 'containerFirstLine' | 'outputEnded' | 'exited' | 'inspectStart' | 'inspectEnd'
  | 'removeStart' | 'removeEnd' | 'execEnd' | 'commitPutStart' | 'commitPutEnd' | 'committed' | 'submitterRunning'
  | 'submitterFirstLine' | 'submitterTerminal'

export interface RunProfile {
  /** Testbed index of the provider whose lease ran the task (undefined: nobody claimed it). */
  holder: number | undefined
  /** Claims that lost the race (another provider got there first): each one cost DHT round trips. */
  lostClaims: number
  at: Partial<Record<Moment, number>>
}

interface Step { id: string, label: string, from: Moment, to: Moment }
/** One line of the breakdown, with the finer steps it is made of. */
export interface Phase extends Step { detail: Step[] }

/** The breakdown printed and written as `phasesMs` (the phases) and `detailMs` (their steps). */
export const PHASES: Phase[] = [
  {
    id: 'sawTask', label: 'submit → provider sees task', from: 'submit', to: 'sawTask',
    detail: [{ id: 'submitCall', label: 'submit call returns (spec + state DHT puts)', from: 'submit', to: 'submitReturned' }]
  },
  {
    id: 'claimed', label: '→ lease claimed', from: 'sawTask', to: 'claimed',
    detail: [
      { id: 'claimWait', label: 'rank step + jitter before the claim', from: 'sawTask', to: 'claimReadStart' },
      { id: 'claimRead', label: 'claim: quorum read of the state', from: 'claimReadStart', to: 'claimReadEnd' },
      { id: 'claimPut', label: 'claim: put leased@1', from: 'claimPutStart', to: 'claimPutEnd' },
      { id: 'claimSettle', label: 'claim: settle window', from: 'claimPutEnd', to: 'claimRereadStart' },
      { id: 'claimReread', label: 'claim: verifying re-read', from: 'claimRereadStart', to: 'claimRereadEnd' }
    ]
  },
  {
    id: 'running', label: '→ running (first heartbeat written)', from: 'claimed', to: 'running',
    detail: [{ id: 'heartbeatPut', label: 'put running (quorum acks)', from: 'heartbeatPutStart', to: 'heartbeatPutEnd' }]
  },
  {
    id: 'firstContainerLine', label: '→ first container line', from: 'running', to: 'containerFirstLine',
    detail: [
      { id: 'imageInspect', label: 'docker: image inspect', from: 'imageInspectStart', to: 'imageInspectEnd' },
      { id: 'workDirs', label: 'work dirs (mkdir, chmod)', from: 'imageInspectEnd', to: 'createStart' },
      { id: 'create', label: 'docker: create', from: 'createStart', to: 'createEnd' },
      { id: 'waitRegister', label: 'docker: wait registered', from: 'waitStart', to: 'waitEnd' },
      { id: 'attach', label: 'docker: attach', from: 'attachStart', to: 'attachEnd' },
      { id: 'start', label: 'docker: start', from: 'startStart', to: 'startEnd' },
      // The line can arrive before start's own answer: measured from the call.
      { id: 'startToLine', label: 'docker: start called → first line', from: 'startStart', to: 'containerFirstLine' }
    ]
  },
  {
    id: 'containerExit', label: '→ container exit (engine\'s wait answers)', from: 'containerFirstLine', to: 'exited',
    detail: [
      { id: 'outputEnd', label: 'output streams closed', from: 'containerFirstLine', to: 'outputEnded' },
      { id: 'exitReport', label: 'output closed → wait answers', from: 'outputEnded', to: 'exited' }
    ]
  },
  {
    // The result's gossip goes out when its put begins, before the replicas acknowledge it: that
    // moment, not the acknowledgement, is what the submitter can see first.
    id: 'resultSent', label: '→ result sent (commit put begins, gossip out)', from: 'exited', to: 'commitPutStart',
    detail: [
      { id: 'drainInspect', label: 'output drain + docker inspect', from: 'exited', to: 'inspectEnd' },
      { id: 'remove', label: 'docker: remove', from: 'removeStart', to: 'removeEnd' },
      { id: 'workDirRm', label: 'work dir removed, executor returns', from: 'removeEnd', to: 'execEnd' },
      { id: 'commitCheck', label: 'commit: quorum reads (state + cancel)', from: 'execEnd', to: 'commitPutStart' }
    ]
  },
  {
    id: 'submitterTerminal', label: '→ submitter sees terminal', from: 'commitPutStart', to: 'submitterTerminal',
    detail: [{ id: 'commitPut', label: 'meanwhile: commit put acknowledged (quorum)', from: 'commitPutStart', to: 'commitPutEnd' }]
  }
]

/** Steps that overlap the phases above: the executor as a whole and the submitter's log path. */
export const SIDE_STEPS: Step[] = [
  { id: 'executorRun', label: 'executor.run (image check → container removed)', from: 'execStart', to: 'execEnd' },
  { id: 'runningToExec', label: 'task:running → executor called', from: 'running', to: 'execStart' },
  { id: 'submitterRunning', label: 'running put begins → submitter sees running', from: 'heartbeatPutStart', to: 'submitterRunning' },
  { id: 'committedEvent', label: 'commit put begins → holder\'s lease:committed', from: 'commitPutStart', to: 'committed' },
  { id: 'submitterLine', label: 'container line → submitter has it (log stream)', from: 'containerFirstLine', to: 'submitterFirstLine' }
]

export function profileRun (timeline: Timeline, taskId: string, t0: number, submitReturned: number, submitter: number): RunProfile {
  const marks = timeline.of(taskId)
  const committedEvent = marks.find(m => m.what === 'bus:lease:committed')
  const holder = committedEvent?.peer ?? marks.findLast(m => m.what === 'bus:lease:claimed')?.peer
  const at: RunProfile['at'] = { submit: 0, submitReturned: submitReturned - t0 }
  const set = (moment: Moment, t: number | undefined): void => { if (t !== undefined) at[moment] = t - t0 }
  const call = (prefix: string, m: Mark | undefined): void => {
    set(`${prefix}Start` as Moment, m?.at)
    set(`${prefix}End` as Moment, m?.end)
  }
  const lostClaims = marks.filter(m => m.what === 'bus:lease:lost').length

  const fromSubmitter = marks.filter(m => m.peer === submitter)
  set('submitterRunning', fromSubmitter.find(m => m.what === 'bus:task:state' && m.detail === 'running')?.at)
  set('submitterFirstLine', fromSubmitter.find(m => m.what === 'bus:task:log' && m.detail !== 'system')?.at)
  set('submitterTerminal', fromSubmitter.find(m => m.what === 'bus:task:state' && isTerminal(m.detail as TaskStatus))?.at)
  if (holder === undefined) return { holder, lostClaims, at }

  const mine = marks.filter(m => m.peer === holder)
  const claimed = mine.findLast(m => m.what === 'bus:lease:claimed')
  set('sawTask', mine.find(m => m.what === 'bus:task:state')?.at)
  set('claimed', claimed?.at)
  if (claimed !== undefined) {
    // The claim is: read the state, put leased, wait the settle window, read again (LeaseEngine.claim).
    const before = mine.filter(m => m.at < claimed.at)
    const claimPut = before.findLast(m => m.what === 'dht:put' && m.detail === 'leased')
    call('claimPut', claimPut)
    if (claimPut !== undefined) {
      call('claimRead', before.findLast(m => m.what === 'dht:get' && m.detail === 'state' && m.at < claimPut.at))
      call('claimReread', before.findLast(m => m.what === 'dht:get' && m.detail === 'state' && m.at >= (claimPut.end ?? Infinity)))
    }
    call('heartbeatPut', mine.find(m => m.what === 'dht:put' && m.detail === 'running' && m.at > claimed.at))
  }
  set('running', mine.find(m => m.what === 'bus:task:running')?.at)
  const exec = mine.find(m => m.what === 'exec:run')
  set('execStart', exec?.at)
  set('execEnd', exec?.end)
  if (exec !== undefined) {
    const docker = timeline.dockerCalls(holder, exec.at, exec.end ?? Infinity)
    for (const name of ['imageInspect', 'create', 'wait', 'attach', 'start', 'inspect', 'remove']) {
      call(name, docker.find(m => m.what === `docker:${name}`))
    }
    set('exited', docker.find(m => m.what === 'docker:exit')?.at)
    set('outputEnded', docker.find(m => m.what === 'docker:outputEnd')?.at)
  }
  set('containerFirstLine', mine.find(m => m.what === 'bus:executor:log' && m.detail !== 'system')?.at)
  call('commitPut', mine.find(m => m.what === 'dht:put' && isTerminal(m.detail as TaskStatus)))
  set('committed', committedEvent?.at)
  return { holder, lostClaims, at }
}

function stepValues (runs: RunProfile[], step: Step): number[] {
  const out: number[] = []
  for (const r of runs) {
    const from = r.at[step.from]
    const to = r.at[step.to]
    if (from !== undefined && to !== undefined) out.push(to - from)
  }
  return out
}

export interface Breakdown {
  /** Each phase's own duration (from the previous phase's moment to its own). */
  phasesMs: Record<string, Figure>
  /** p50 of each phase's moment, ms since the submit call began. */
  phasesAtMs: Record<string, number | null>
  /** The finer steps inside the phases, and the side steps. */
  detailMs: Record<string, Figure>
}

export function breakdown (runs: RunProfile[]): Breakdown {
  const phasesMs: Record<string, Figure> = {}
  const phasesAtMs: Record<string, number | null> = {}
  const detailMs: Record<string, Figure> = {}
  for (const p of PHASES) {
    phasesMs[p.id] = figure(stepValues(runs, p))
    phasesAtMs[p.id] = figure(stepValues(runs, { ...p, from: 'submit' })).p50
    for (const d of p.detail) detailMs[d.id] = figure(stepValues(runs, d))
  }
  for (const s of SIDE_STEPS) detailMs[s.id] = figure(stepValues(runs, s))
  return { phasesMs, phasesAtMs, detailMs }
}
