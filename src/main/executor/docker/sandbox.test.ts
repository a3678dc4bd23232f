import { describe, expect, it } from 'vitest'
import type { TaskSpec } from '../../../shared/index.js'
import type { TaskRun } from '../index.js'
import { KEEPER_IMAGE, keeperOptions, keeperProgram } from './output-keeper.js'
import { containerOptions, outputMount, runLabels } from './sandbox.js'

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

describe('a task whose outputs are kept', () => {
  it('mounts the keeper\'s /output (the same bounded tmpfs) instead of a volume of its own', () => {
    const o = containerOptions(run(false), limits, { ...dirs, outputFrom: 'keeper-id' }, { allowNetwork: false })
    expect(o.HostConfig?.Mounts).toBeUndefined()
    expect(o.HostConfig?.VolumesFrom).toEqual(['keeper-id:rw'])
    expect(o.HostConfig?.Binds).toEqual(['/w/in:/input:ro'])
    const keeper = keeperOptions(KEEPER_IMAGE, runLabels(run(false), { owner: 'me' }), outputMount({}))
    expect(keeper.Labels).toEqual({ 'mcloud.task': 't1', 'mcloud.epoch': '2', 'mcloud.owner': 'me', 'mcloud.role': 'output-keeper' })
    expect(keeper.HostConfig).toMatchObject({ NetworkMode: 'none', ReadonlyRootfs: true, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] })
    expect(keeper.HostConfig?.Mounts?.[0]?.VolumeOptions?.DriverConfig.Options).toMatchObject({ type: 'tmpfs', o: 'size=256m,mode=1777,nosuid,nodev,noexec' })
  })

  it('the keeper is a static ELF64 executable for the engine\'s architecture, or a clear error', () => {
    const amd64 = keeperProgram('amd64')
    expect([...amd64.subarray(0, 5)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 2])
    expect(amd64.readUInt16LE(18)).toBe(0x3e)
    expect(amd64.readBigUInt64LE(24)).toBe(0x400078n)
    expect(keeperProgram('arm64').readUInt16LE(18)).toBe(0xb7)
    expect(() => keeperProgram('s390x')).toThrow('outputs are not supported on a s390x Docker engine (amd64 and arm64 are)')
  })
})
