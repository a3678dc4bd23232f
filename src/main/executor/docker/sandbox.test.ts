import { describe, expect, it } from 'vitest'
import type { TaskSpec } from '../../../shared/index.js'
import type { TaskRun } from '../index.js'
import { containerOptions } from './sandbox.js'

function run (network: boolean): TaskRun {
  const spec = { image: 'busybox', command: ['true'], env: {}, cpu: 1, memoryMb: 64, timeoutSec: 10, network } as unknown as TaskSpec
  return { taskId: 't1', epoch: 2, spec, signal: new AbortController().signal, onLog: () => {} }
}

const limits = { cpu: 1, memoryMb: 64, timeoutSec: 10 }
const dirs = { input: '/w/in' }
const networkOf = (network: boolean, allowNetwork: boolean): unknown => {
  const o = containerOptions(run(network), limits, dirs, { allowNetwork, owner: 'me' })
  return { disabled: o.NetworkDisabled, mode: o.HostConfig?.NetworkMode }
}

describe('containerOptions network policy', () => {
  it('gives a network only to a task that asks for it on a peer that allows it', () => {
    expect(networkOf(true, true)).toEqual({ disabled: false, mode: 'bridge' })
    expect(networkOf(true, false)).toEqual({ disabled: true, mode: 'none' })
    expect(networkOf(false, true)).toEqual({ disabled: true, mode: 'none' })
    expect(networkOf(false, false)).toEqual({ disabled: true, mode: 'none' })
  })

  it('keeps the rest of the sandbox when the network is on', () => {
    const o = containerOptions(run(true), limits, dirs, { allowNetwork: true, owner: 'me' })
    expect(o.User).toBe('65534:65534')
    expect(o.Labels).toEqual({ 'mcloud.task': 't1', 'mcloud.epoch': '2', 'mcloud.owner': 'me' })
    expect(o.HostConfig).toMatchObject({ ReadonlyRootfs: true, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], PidsLimit: 256 })
  })

  it('bounds every writable place: /tmp and /output are sized tmpfs, /output no host directory', () => {
    const o = containerOptions(run(false), limits, dirs, { allowNetwork: false })
    expect(o.HostConfig?.Tmpfs).toEqual({ '/tmp': 'rw,size=64m' })
    expect(o.HostConfig?.Binds).toEqual(['/w/in:/input:ro'])
    expect(o.HostConfig?.Mounts).toHaveLength(1)
    const output = o.HostConfig!.Mounts![0]!
    expect(output).toMatchObject({ Type: 'volume', Source: '', Target: '/output' })
    expect(output.VolumeOptions?.DriverConfig.Options).toMatchObject({ type: 'tmpfs', o: 'size=256m,mode=1777,nosuid,nodev,noexec' })
  })
})
