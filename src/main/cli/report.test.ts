// mcloud report against an API server with a fake control API: the summary and jobs a user
// reads, --json, flags checked before any request, and a plain answer from a non-control peer.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createFakeApi } from '../api/fake-api.test-helper.js'
import { fakeControl, JOB, SUMMARY } from '../api/fake-control.test-helper.js'
import { startApiServer, type ApiServer } from '../api/index.js'
import { runCli } from './run.js'

let dataDir: string
let server: ApiServer | undefined
let control: ReturnType<typeof fakeControl>

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mcloud-report-'))
  control = fakeControl()
})
afterEach(async () => {
  await server?.close()
  server = undefined
  await rm(dataDir, { recursive: true, force: true })
})

async function cli (...argv: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await runCli([argv[0]!, '--data-dir', dataDir, ...argv.slice(1)], {
    stdout: { write: (t: string) => { stdout += t } },
    stderr: { write: (t: string) => { stderr += t } },
    env: {}
  })
  return { code, stdout, stderr }
}

describe('mcloud report', () => {
  it('with no peer on the data dir: exit 3, pointing at mcloud control', async () => {
    const r = await cli('report')
    expect(r.code).toBe(3)
    expect(r.stderr).toBe(`mcloud: no peer is running with data dir ${dataDir} (start one with: mcloud control --data-dir ${dataDir})\n`)
  })

  it('prints the summary and the latest jobs of a control peer', async () => {
    server = await startApiServer(createFakeApi(), { dataDir, uiDir: null, control: () => control })
    const r = await cli('report', '--status', 'succeeded', '--limit', '5')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('tasks     3: 2 succeeded, 1 running\n')
    expect(r.stdout).toContain('success   100% (2 of 2 finished)\n')
    expect(r.stdout).toContain('nodes     1 alive of 2 known\n')
    expect(r.stdout).toContain('recovery  1 re-claim: p50 3.5 s, p95 3.5 s, max 3.5 s\n')
    expect(r.stdout).toMatch(/database {2}pglite up: 0 queued, 0 dropped, 42 written; reconciled .* ago\n/)
    expect(r.stdout).toMatch(/TASK\s+STATUS\s+EPOCH\s+HOLDER/)
    expect(r.stdout).toMatch(new RegExp(`${JOB.id.slice(0, 12)}\\s+succeeded\\s+2\\s+…erholder\\s+2\\s+0\\s+busybox\\s+2023-11-14 22:13:20`))
    expect(control.queries).toEqual([{ status: 'succeeded', limit: 5 }])
  })

  it('--json prints one document with the summary and the jobs', async () => {
    server = await startApiServer(createFakeApi(), { dataDir, uiDir: null, control: () => control })
    const r = await cli('report', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ summary: SUMMARY, jobs: [JOB] })
    expect(control.queries).toEqual([{ limit: 20 }])
  })

  it('bad flags name the flag (exit 2) before asking anything', async () => {
    server = await startApiServer(createFakeApi(), { dataDir, uiDir: null, control: () => control })
    for (const [argv, message] of [
      [['--limit', '0'], '--limit: must be between 1 and 1000'],
      [['--limit', 'many'], '--limit: expected a whole number'],
      [['--status', 'done'], '--status: expected one of queued, leased, running, succeeded, failed, cancelled, got "done"']
    ] as Array<[string[], string]>) {
      const r = await cli('report', ...argv)
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.stderr).toContain(message)
    }
    expect(control.queries).toEqual([])
  })

  it('says so against a peer that is not a control peer (exit 1), and while its database opens', async () => {
    server = await startApiServer(createFakeApi(), { dataDir, uiDir: null })
    const r = await cli('report')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^mcloud: this peer is not a control peer/)
    await server.close()
    server = await startApiServer(createFakeApi(), { dataDir, uiDir: null, control: () => undefined })
    const opening = await cli('report')
    expect(opening.code).toBe(1)
    expect(opening.stderr).toContain('the control database is still opening')
  })
})
