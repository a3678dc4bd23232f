// Task data in the browser against real peers and Docker: A (no executor) submits a job that reads
// a file of A's machine, B runs it; A's panel lists the input, downloads what the task left in
// /output and says where it saved it. A relative path is refused under its field.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
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
})
