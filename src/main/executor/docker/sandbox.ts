// The container a task runs in: DESIGN "Executor (Docker)" sandbox profile, limits from the spec
// capped by what this peer lends.
import type Dockerode from 'dockerode'
import type { TaskRun } from '../index.js'
import { LABEL_EPOCH, LABEL_OWNER, LABEL_TASK, MIN_MEMORY_MB, OUTPUT_SIZE_MB, PIDS_LIMIT, SANDBOX_USER, TMP_SIZE_MB } from './constants.js'

export interface ExecutorLimits {
  /** Most CPUs one task may use. Default: all of this machine's. */
  maxCpu?: number
  /** Most memory one task may use, MiB. Default: unlimited (the spec decides). */
  maxMemoryMb?: number
  /** Longest run of one task, seconds. Default: unlimited (the spec decides). */
  maxTimeoutSec?: number
}

export interface EffectiveLimits {
  cpu: number
  memoryMb: number
  timeoutSec: number
}

export function effectiveLimits (spec: TaskRun['spec'], limits: Required<Pick<ExecutorLimits, 'maxCpu'>> & ExecutorLimits): EffectiveLimits {
  return {
    cpu: Math.min(spec.cpu, limits.maxCpu),
    memoryMb: Math.max(MIN_MEMORY_MB, Math.min(spec.memoryMb, limits.maxMemoryMb ?? Infinity)),
    timeoutSec: Math.min(spec.timeoutSec, limits.maxTimeoutSec ?? Infinity)
  }
}

export interface WorkDirs {
  input: string
  /** A keeper container whose /output volume the task mounts (output-keeper.ts); absent: a volume of its own. */
  outputFrom?: string
}

export interface SandboxPolicy {
  /** Set as label `mcloud.owner`. */
  owner?: string
  /** Whether this peer lets tasks that ask for it reach the network. */
  allowNetwork: boolean
}

/** A task gets a network only when it asks for one and the peer's owner allows it. */
export function wantsNetwork (run: TaskRun, policy: SandboxPolicy): boolean {
  return run.spec.network === true && policy.allowNetwork
}

/** The labels of everything a run creates: orphan clean-up finds them by these. */
export function runLabels (run: Pick<TaskRun, 'taskId' | 'epoch'>, policy: Pick<SandboxPolicy, 'owner'>): Record<string, string> {
  const labels: Record<string, string> = { [LABEL_TASK]: run.taskId, [LABEL_EPOCH]: String(run.epoch) }
  if (policy.owner !== undefined) labels[LABEL_OWNER] = policy.owner
  return labels
}

/**
 * The task's /output: an anonymous volume, removed with its container (remove `v: true`). Not a
 * plain tmpfs mount: that copies the image's /output mode (root 0755), so nobody could write it.
 */
export function outputMount (labels: Record<string, string>): Dockerode.MountSettings {
  return {
    Type: 'volume',
    Source: '',
    Target: '/output',
    VolumeOptions: { NoCopy: true, Labels: labels, DriverConfig: { Name: 'local', Options: { type: 'tmpfs', device: 'tmpfs', o: `size=${OUTPUT_SIZE_MB}m,mode=1777,nosuid,nodev,noexec` } } }
  }
}

/**
 * What every container we create shares, the task's and its output keeper's: a read-only root,
 * no capabilities, no privilege gain, no log kept on the daemon's disk (output reaches us through
 * attach), never restarted.
 */
export const HARDENED_HOST_CONFIG = {
  ReadonlyRootfs: true,
  CapDrop: ['ALL'],
  SecurityOpt: ['no-new-privileges'],
  LogConfig: { Type: 'none', Config: {} },
  RestartPolicy: { Name: 'no' }
} as const satisfies Dockerode.HostConfig

export function containerOptions (run: TaskRun, limits: EffectiveLimits, dirs: WorkDirs, policy: SandboxPolicy): Dockerode.ContainerCreateOptions {
  const labels = runLabels(run, policy)
  const network = wantsNetwork(run, policy)
  const memoryBytes = Math.round(limits.memoryMb * 1024 * 1024)
  return {
    Image: run.spec.image,
    Cmd: run.spec.command,
    Env: Object.entries(run.spec.env).map(([k, v]) => `${k}=${v}`),
    User: SANDBOX_USER,
    Labels: labels,
    Tty: false,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: false,
    NetworkDisabled: !network,
    HostConfig: {
      // the default bridge: outbound access through the host's NAT, no published ports
      NetworkMode: network ? 'bridge' : 'none',
      ...HARDENED_HOST_CONFIG,
      // every writable place is bounded: the root is read-only, /tmp and /output are sized tmpfs
      Tmpfs: { '/tmp': `rw,size=${TMP_SIZE_MB}m` },
      NanoCpus: Math.round(limits.cpu * 1e9),
      // equal to Memory: no swap on top, so the limit is what an OOM kill reports
      Memory: memoryBytes,
      MemorySwap: memoryBytes,
      PidsLimit: PIDS_LIMIT,
      // docker-init as PID 1 forwards SIGTERM (a shell as PID 1 ignores it)
      Init: true,
      Binds: [`${dirs.input}:/input:ro`],
      ...(dirs.outputFrom === undefined ? { Mounts: [outputMount(labels)] } : { VolumesFrom: [`${dirs.outputFrom}:rw`] })
    }
  }
}
