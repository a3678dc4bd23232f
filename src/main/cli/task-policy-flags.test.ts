// The owner's per-task policy from the command line: `mcloud agent` and `mcloud sharing set` flags.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { serveFakeApiEachTest } from '../api/fake-api.test-helper.js'
import { buildPeerConfig } from './agent.js'
import { runCli } from './run.js'

interface Run { code: number, stdout: string, stderr: string }

let dataDir: string
beforeEach(async () => { dataDir = await mkdtemp(join(tmpdir(), 'mcloud-cli-policy-')) })
afterEach(async () => { await rm(dataDir, { recursive: true, force: true }) })

async function cli (...argv: string[]): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const code = await runCli([argv[0]!, '--data-dir', dataDir, ...argv.slice(1)], {
    stdout: { write: (t: string) => { stdout += t } },
    stderr: { write: (t: string) => { stderr += t } },
    env: {}
  })
  return { code, stdout, stderr }
}

describe('mcloud agent: per-task policy flags', () => {
  it('are saved as the owner\'s settings', () => {
    const config = buildPeerConfig(['--data-dir', dataDir, '--allow-image', 'mcloud-test/*', '--allow-image', 'python:3.*',
      '--max-task-cpu', '1.5', '--max-task-mem', '2g', '--max-task-time', '30m'], {})
    expect(config.sharing).toEqual({ allowedImages: ['mcloud-test/*', 'python:3.*'], maxTaskCpu: 1.5, maxTaskMemoryMb: 2048, maxTaskTimeSec: 1800 })
  })

  it('"none" lifts a cap and --any-image clears the list', () => {
    const config = buildPeerConfig(['--data-dir', dataDir, '--any-image', '--max-task-cpu', 'none', '--max-task-mem', 'none', '--max-task-time', 'none'], {})
    expect(config.sharing).toEqual({ allowedImages: [], maxTaskCpu: null, maxTaskMemoryMb: null, maxTaskTimeSec: null })
    expect(buildPeerConfig(['--data-dir', dataDir, '--max-task-time', '7200'], {}).sharing).toEqual({ maxTaskTimeSec: 7200 })
  })

  it('--max-task-input and --max-task-output take sizes, or none', () => {
    expect(buildPeerConfig(['--data-dir', dataDir, '--max-task-input', '500m', '--max-task-output', '64m'], {}).sharing)
      .toEqual({ maxTaskInputMb: 500, maxTaskOutputMb: 64 })
    expect(buildPeerConfig(['--data-dir', dataDir, '--max-task-input', '2g', '--max-task-output', 'none'], {}).sharing)
      .toEqual({ maxTaskInputMb: 2048, maxTaskOutputMb: null })
  })

  const bad: Array<[string[], string]> = [
    [['agent', '--allow-image', 'python 3'], '--allow-image: "python 3" may hold only letters, digits, . _ - / : @ and * (no spaces)'],
    [['agent', '--allow-image', 'a//b'], '--allow-image: "a//b" has an empty path part (a leading, trailing or double /)'],
    [['agent', '--allow-image', 'x/*', '--any-image'], '--allow-image: give either --allow-image PATTERN… or --any-image'],
    [['agent', '--max-task-time', 'soon'], '--max-task-time: expected seconds or a duration like 30m, 2h or 1d, or none, got "soon"'],
    [['agent', '--max-task-mem', 'lots'], '--max-task-mem: expected a size like 512m or 4g, or none'],
    [['agent', '--max-task-cpu', 'two'], '--max-task-cpu: expected a number of cores or none, got "two"'],
    [['sharing', 'set', '--allow-image', ''], '--allow-image: "" is empty'],
    [['agent', '--max-task-input', 'big'], '--max-task-input: expected a size like 500m or 2g, or none'],
    [['sharing', 'set', '--max-task-output', '-'], '--max-task-output: expected a size like 500m or 2g, or none']
  ]
  for (const [argv, message] of bad) {
    it(`refuses ${argv.join(' ')} naming the flag`, async () => {
      const r = await cli(...argv)
      expect(r.code).toBe(2)
      expect(r.stderr).toBe(`mcloud: ${message}\n`)
    })
  }
})

describe('mcloud sharing set: per-task policy against a running API', () => {
  serveFakeApiEachTest(() => dataDir)

  it('changes the policy and shows it', async () => {
    const set = await cli('sharing', 'set', '--allow-image', 'mcloud-test/*', '--max-task-mem', '512m', '--max-task-time', '2h', '--json')
    expect(set.code).toBe(0)
    expect((JSON.parse(set.stdout) as { settings: object }).settings)
      .toMatchObject({ allowedImages: ['mcloud-test/*'], maxTaskCpu: null, maxTaskMemoryMb: 512, maxTaskTimeSec: 7200 })
    expect((await cli('sharing')).stdout).toMatch(/\nper task\s+images mcloud-test\/\*; at most 512 MiB, 2 h run time\n/)
    await cli('sharing', 'set', '--any-image', '--max-task-mem', 'none', '--max-task-time', 'none')
    expect((await cli('sharing')).stdout).toMatch(/\nper task\s+any image; no other per-task limit\n/)
  })

  it('sets the input and output caps and shows them; none lifts them', async () => {
    const set = await cli('sharing', 'set', '--max-task-input', '1g', '--max-task-output', '64m', '--json')
    expect(set.code).toBe(0)
    expect((JSON.parse(set.stdout) as { settings: object }).settings).toMatchObject({ maxTaskInputMb: 1024, maxTaskOutputMb: 64 })
    expect((await cli('sharing')).stdout).toMatch(/\nper task\s+any image; at most 1024 MiB of inputs, 64 MiB of outputs\n/)
    await cli('sharing', 'set', '--max-task-input', 'none', '--max-task-output', 'none')
    expect((await cli('sharing')).stdout).toMatch(/\nper task\s+any image; no other per-task limit\n/)
  })

  it('a value the peer refuses is reported on the flag the user typed', async () => {
    // parsed as a number here; the API's settings schema refuses it and names the field
    const r = await cli('sharing', 'set', '--max-task-cpu', '-1')
    expect(r).toMatchObject({ code: 2, stderr: 'mcloud: --max-task-cpu: maxTaskCpu must be more than 0\n' })
    const t = await cli('sharing', 'set', '--max-task-time', '30d')
    expect(t).toMatchObject({ code: 2, stderr: 'mcloud: --max-task-time: maxTaskTimeSec must be at most 7 days\n' })
    const o = await cli('sharing', 'set', '--max-task-output', '1g')
    expect(o).toMatchObject({ code: 2, stderr: 'mcloud: --max-task-output: maxTaskOutputMb must be at most 256 MiB (the size of a task\'s /output)\n' })
  })
})
