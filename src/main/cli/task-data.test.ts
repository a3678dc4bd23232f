// A task's data from the command line: `submit --input`, the INPUTS/OUTPUTS columns of `ps`, and
// `mcloud get` with its progress, against the fake peer.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TaskView } from '../../shared/api.js'
import { FAKE_OUTPUT_BYTES, fakeCid, serveFakeApiEachTest } from '../api/fake-api.test-helper.js'
import { formatBytes } from '../../shared/byte-format.js'
import { shortTaskId } from './format.js'
import { ProgressLine } from './get.js'
import { runCli } from './run.js'

interface Run { code: number, stdout: string, stderr: string }

let dataDir: string
let files: string
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mcloud-cli-data-'))
  files = await mkdtemp(join(tmpdir(), 'mcloud-cli-files-'))
  await writeFile(join(files, 'data.csv'), 'a,b\n')
  await mkdir(join(files, 'images'))
})
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true })
  await rm(files, { recursive: true, force: true })
})

async function cli (argv: string[], tty = false): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const code = await runCli([argv[0]!, '--data-dir', dataDir, ...argv.slice(1)], {
    stdout: { write: (t: string) => { stdout += t } },
    stderr: { write: (t: string) => { stderr += t }, isTTY: tty },
    env: {}
  })
  return { code, stdout, stderr }
}

describe('submit --input, ps, get (fake peer)', () => {
  const served = serveFakeApiEachTest(() => dataDir)
  const submit = async (...extra: string[]): Promise<string> => {
    const r = await cli(['submit', '--image', 'busybox', '--cmd', 'ls /input', ...extra])
    expect(r.stderr).toBe('')
    return r.stdout.trim()
  }
  const finish = (taskId: string, over: Partial<TaskView> = {}): void => {
    served.api.tasks.set(taskId, { ...served.api.tasks.get(taskId)!, status: 'succeeded', exitCode: 0, resultCid: fakeCid(taskId), ...over })
  }

  it('submit --input sends absolute paths on this machine, files and folders alike', async () => {
    const images = relative(process.cwd(), join(files, 'images'))
    expect(images.startsWith('..')).toBe(true)
    const taskId = await submit('--input', join(files, 'data.csv'), '--input', images)
    const task = served.api.tasks.get(taskId)!
    expect(task.inputs?.map((i) => i.name)).toEqual(['data.csv', 'images'])
    expect(task.inputs?.[1]?.cid).toBe(fakeCid(join(files, 'images')))
    const ps = await cli(['ps'])
    expect(ps.stdout).toMatch(/INPUTS\s+OUTPUTS\n/)
    expect(ps.stdout).toMatch(new RegExp(`^${shortTaskId(taskId)}  queued .*  data\\.csv, images  -$`, 'm'))
  })

  it('submit --input refuses a missing path or two inputs of one name before asking the peer', async () => {
    const missing = join(files, 'nope.csv')
    const cases: Array<[string[], string]> = [
      [['--input', missing], `mcloud: --input: ${missing} does not exist\n`],
      [['--input', join(files, 'data.csv', 'x')], `mcloud: --input: ${join(files, 'data.csv', 'x')} does not exist\n`],
      [['--input', join(files, 'data.csv'), '--input', join(files, 'images', '..', 'data.csv')],
        `mcloud: --input: ${join(files, 'data.csv')} and ${join(files, 'data.csv')} would both be /input/data.csv; rename one\n`],
      [Array.from({ length: 17 }, () => ['--input', join(files, 'data.csv')]).flat(), 'mcloud: --input: at most 16 inputs\n'],
      [['--input'], 'mcloud: --input: expected a value\n']
    ]
    for (const [extra, stderr] of cases) {
      expect(await cli(['submit', '--image', 'busybox', '--cmd', 'x', ...extra]), extra.join(' ')).toEqual({ code: 2, stdout: '', stderr })
    }
    expect(served.api.tasks.size).toBe(0)
    // The peer's own refusal of a path names the flag too.
    served.api.failNext.method = 'submitTask'
    served.api.failNext.error = Object.assign(new Error('inputPaths.0: /etc/shadow: permission denied'), { name: 'ValidationError', field: 'inputPaths.0' })
    expect(await cli(['submit', '--image', 'busybox', '--cmd', 'x', '--input', join(files, 'data.csv')]))
      .toMatchObject({ code: 2, stderr: 'mcloud: --input: /etc/shadow: permission denied\n' })
  })

  it('get fetches the outputs into the peer\'s folder, shows progress on stderr and says where they are', async () => {
    const taskId = await submit()
    finish(taskId)
    const r = await cli(['get', taskId.slice(0, 8)])
    expect(r.code).toBe(0)
    const dir = `/tmp/x/outputs/${taskId}`
    expect(r.stdout).toBe(`saved ${formatBytes(FAKE_OUTPUT_BYTES)} of outputs of ${shortTaskId(taskId)} to ${dir}\n`)
    expect(r.stderr).toBe(`outputs of ${shortTaskId(taskId)}: 20.0 MB / 40.0 MB\noutputs of ${shortTaskId(taskId)}: 40.0 MB / 40.0 MB\n`)
    expect(served.api.tasks.get(taskId)?.outputsDir).toBe(dir)
    expect((await cli(['ps'])).stdout).toMatch(/ {2}saved$/m)
  })

  it('get DIR resolves DIR here; --json prints the result only; a terminal redraws one line', async () => {
    const taskId = await submit()
    finish(taskId)
    const json = await cli(['get', taskId, 'out/run-1', '--json'])
    expect(json.stderr).toBe('')
    expect(JSON.parse(json.stdout)).toEqual({ taskId, cid: fakeCid(taskId), dir: resolve('out/run-1'), bytes: FAKE_OUTPUT_BYTES })
    const tty = await cli(['get', taskId, join(files, 'out')], true)
    expect(tty.stdout).toContain(`to ${join(files, 'out')}\n`)
    const label = `outputs of ${shortTaskId(taskId)}`
    expect(tty.stderr).toBe(`\r${label}: 20.0 MB / 40.0 MB\u001b[K\r${label}: 40.0 MB / 40.0 MB\u001b[K\n`)
  })

  it('get says plainly why there is nothing to fetch', async () => {
    const queued = await submit()
    const id = shortTaskId(queued)
    expect(await cli(['get', queued])).toEqual({
      code: 1, stdout: '', stderr: `mcloud: task ${id} has not finished (queued); its outputs come when it ends (wait with: mcloud logs -f ${id})\n`
    })
    finish(queued, { status: 'failed', exitCode: 1, resultCid: null })
    expect((await cli(['get', queued])).stderr).toBe(`mcloud: task ${id} has no outputs (it failed and left nothing in /output)\n`)
    finish(queued, { status: 'cancelled', resultCid: null })
    expect((await cli(['get', queued])).stderr).toBe(`mcloud: task ${id} was cancelled; it has no outputs\n`)
    expect((await cli(['get', 'abcdef12'])).stderr).toBe('mcloud: TASK: no task starts with "abcdef12"\n')
    expect(await cli(['get', 'f'.repeat(64)])).toMatchObject({ code: 1, stderr: `mcloud: not found: no task ${'f'.repeat(64)}\n` })
    // The peer's refusal of the folder names DIR.
    finish(queued)
    served.api.failNext.method = 'downloadOutputs'
    served.api.failNext.error = Object.assign(new Error('dir: /root is not writable'), { name: 'ValidationError', field: 'dir' })
    expect(await cli(['get', queued, '/root'])).toMatchObject({ code: 2, stderr: 'mcloud: DIR: /root is not writable\n' })
  })

  it('get refuses bad arguments with one line', async () => {
    expect(await cli(['get'])).toMatchObject({ code: 2, stderr: 'mcloud: TASK: a task id is required (see: mcloud get --help)\n' })
    expect((await cli(['get', 'abcdef', 'a', 'b'])).stderr).toBe('mcloud: unexpected argument "b" (see: mcloud get --help)\n')
    expect((await cli(['get', 'abcdef', ' '])).stderr).toBe('mcloud: DIR: expected a folder\n')
    expect((await cli(['get', '--help'])).stdout).toContain('Usage: mcloud get TASK [DIR]')
    expect((await cli(['submit', '--help'])).stdout).toContain('--input PATH')
  })
})

describe('progress line', () => {
  it('prints a plain line at most once a second, and always the last one', () => {
    let err = ''
    const line = new ProgressLine({ stdout: { write: () => {} }, stderr: { write: (t: string) => { err += t } }, env: {} }, 'outputs of 1a2b3c')
    line.update(12_300_000, null, 0)
    line.update(13_000_000, null, 500)
    line.update(14_000_000, 40_000_000, 1000)
    line.update(40_000_000, 40_000_000, 1100)
    line.finish(40_000_000)
    line.end()
    expect(err).toBe('outputs of 1a2b3c: 12.3 MB / ?\noutputs of 1a2b3c: 14.0 MB / 40.0 MB\noutputs of 1a2b3c: 40.0 MB / 40.0 MB\n')
    expect([0, 999, 1000, 999_949, 999_950, 1.5e12].map(formatBytes)).toEqual(['0 B', '999 B', '1.0 kB', '999.9 kB', '1.0 MB', '1.5 TB'])
  })
})
