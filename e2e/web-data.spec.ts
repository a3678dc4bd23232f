// Task data in the browser against real peers and Docker: A (no executor) submits a job that reads
// a file of A's machine, B runs it; A's panel lists the input, downloads what the task left in
// /output and says where it saved it. A relative path is refused under its field. B's own page
// shows the input arriving for the task it runs.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { TEST_IMAGE } from '../test/helpers/docker.js'
import { failureName, launchBrowser, openPage, reportFailure, screenshot } from './helpers/browser.js'
import { e2eReady, startWebPeers, uiUrlOf, type WebPeers } from './helpers/peers.js'
import { isRightUnder, jobField, jobForm, newTaskId, showView, statusInUi, submitJob, taskRow } from './helpers/ui.js'

const OWNER = 'mcloud-e2e-web-data'
const CSV = 'a,b\n1,2\n3,4\n'

describe.skipIf(!e2eReady())('web UI: task inputs and outputs', () => {
  let peers: WebPeers
  let browser: Browser
  let page: Page
  let errors: string[] = []
  let files: string

  beforeAll(async () => {
    files = await mkdtemp(join(tmpdir(), 'mcloud-e2e-data-'))
    await writeFile(join(files, 'data.csv'), CSV)
    ;[peers, browser] = await Promise.all([startWebPeers(OWNER), launchBrowser()])
    ;({ page, errors } = await openPage(browser, await uiUrlOf(peers.a)))
    await showView(page, 'Borrowing')
  })
  afterEach(async (ctx) => { await reportFailure(ctx, [[page, failureName('data', ctx)]], errors) })
  afterAll(async () => {
    await browser?.close()
    await peers?.stop()
    await rm(files, { recursive: true, force: true })
  })

  it('a relative input path shows the error under "Input files" and submits nothing', async () => {
    const before = (await peers.a.listTasks()).map(t => t.taskId)
    const field = jobField(page, 'Input files')
    await submitJob(page, { image: TEST_IMAGE, command: 'true', inputFiles: 'data.csv' })
    const error = jobForm(page).getByRole('alert').filter({ hasText: 'line 1: write the full path' })
    await error.waitFor({ timeout: 5000 })
    expect(await field.getAttribute('aria-invalid')).toBe('true')
    expect(await isRightUnder(field, error)).toBe(true)
    await new Promise(resolve => setTimeout(resolve, 1000))
    expect((await peers.a.listTasks()).map(t => t.taskId)).toEqual(before)
  })

  it('a job reads /input/data.csv on B; A downloads its outputs and shows where they are', async () => {
    const before = (await peers.a.listTasks()).map(t => t.taskId)
    await submitJob(page, {
      image: TEST_IMAGE,
      command: 'wc -l < /input/data.csv > /output/count && cp /input/data.csv /output/copy.csv',
      cpu: '1', memory: '64m', timeout: '60', inputFiles: join(files, 'data.csv')
    })
    const taskId = await newTaskId(peers.a, before, 60_000)
    const row = taskRow(page, taskId)
    await row.waitFor({ timeout: 10_000 })
    await row.getByRole('button', { name: `Logs ${taskId.slice(0, 12)}`, exact: true }).click()

    const inputs = page.getByRole('list', { name: 'Inputs' })
    await inputs.waitFor({ timeout: 10_000 })
    expect(await inputs.innerText()).toMatch(/\/input\/data\.csv\s+12 B/)

    await expect.poll(() => statusInUi(page, taskId), { timeout: 60_000, interval: 250 }).toBe('succeeded')
    const outputs = page.getByRole('region', { name: 'Outputs' })
    const download = outputs.getByRole('button', { name: 'Download outputs', exact: true })
    await download.waitFor({ timeout: 30_000 })
    await download.click()
    const saved = outputs.getByRole('status').filter({ hasText: /^Saved to / })
    await saved.waitFor({ timeout: 60_000 })
    const dir = (await saved.innerText()).trim().slice('Saved to '.length)
    expect(await readFile(join(dir, 'copy.csv'), 'utf8')).toBe(CSV)
    expect((await readFile(join(dir, 'count'), 'utf8')).trim()).toBe('3')
    expect(await outputs.getByRole('alert').count()).toBe(0)
    // Downloading again is allowed (the button stays).
    expect(await download.isEnabled()).toBe(true)
    await screenshot(page, 'web-A-task-outputs-saved')
  })

  it('B\'s "Tasks running here" shows the input arriving, and drops the line when the task is cancelled', async () => {
    // Half of the input's blocks vanish from A (its only holder) before B may claim: B's fetch then
    // gets the other half and holds there for its stall time, so the page can be read at leisure.
    const MiB = 2 ** 20
    await writeFile(join(files, 'big.bin'), randomBytes(24 * MiB))
    await peers.b.updateSharing({ mode: 'paused' })
    const { taskId } = await peers.a.submitTask({ image: TEST_IMAGE, command: ['sh', '-c', 'wc -c /input/big.bin'], inputPaths: [join(files, 'big.bin')] })
    const leaves: string[] = []
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, e.name)
        if (e.isDirectory()) await walk(path)
        else if ((await stat(path)).size === MiB) leaves.push(path)
      }
    }
    await walk(join((await peers.a.status()).dataDir, 'content', 'blocks'))
    expect(leaves).toHaveLength(24)
    for (const leaf of leaves.slice(12)) await rm(leaf)

    const { page: pageB, errors: errorsB } = await openPage(browser, await uiUrlOf(peers.b))
    try {
      await showView(pageB, 'Lending')
      await peers.b.updateSharing({ mode: 'on' })
      const line = pageB.getByRole('status', { name: `Inputs of ${taskId.slice(0, 12)}` })
      await line.waitFor({ timeout: 30_000 })
      // the 12 blocks A still has (12 × 1 MiB), however fast they came before the fetch stalled
      await expect.poll(async () => await line.innerText(), { timeout: 15_000, interval: 250 }).toBe('Fetching inputs… 12.6 MB / 25.2 MB')
      await screenshot(pageB, 'web-B-inputs-arriving')
      await peers.a.cancelTask(taskId)
      await line.waitFor({ state: 'detached', timeout: 30_000 })
      expect(errorsB).toEqual([])
    } finally {
      await pageB.close()
    }
  })
})
