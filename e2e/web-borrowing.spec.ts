// Borrowing in the browser against real peers and Docker: A (no executor) submits in its UI, B
// runs it; the log follows live, the table ends "succeeded" naming B; bad input submits nothing.
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { TEST_IMAGE } from '../test/helpers/docker.js'
import { failureName, launchBrowser, openPage, reportFailure, screenshot } from './helpers/browser.js'
import { e2eReady, LENDER, startWebPeers, uiUrlOf, type WebPeers } from './helpers/peers.js'
import { cellText, isRightUnder, jobField, jobForm, myTasks, newTaskId, showView, statusInUi, submitJob, taskRow } from './helpers/ui.js'

const OWNER = 'mcloud-e2e-web-borrowing'

describe.skipIf(!e2eReady())('web UI: borrowing', () => {
  let peers: WebPeers
  let browser: Browser
  let page: Page
  let errors: string[] = []

  beforeAll(async () => {
    [peers, browser] = await Promise.all([startWebPeers(OWNER), launchBrowser()])
    ;({ page, errors } = await openPage(browser, await uiUrlOf(peers.a)))
    await showView(page, 'Borrowing')
  })
  afterEach(async (ctx) => { await reportFailure(ctx, [[page, failureName('borrowing', ctx)]], errors) })
  afterAll(async () => {
    await browser?.close()
    await peers?.stop()
  })

  it('a bad CPU or Memory value shows the error under the field and submits nothing', async () => {
    await page.getByText('No tasks yet', { exact: true }).waitFor()
    const before = (await peers.a.listTasks()).map(t => t.taskId)
    const cpu = jobField(page, 'CPU')
    const memory = jobField(page, 'Memory')

    await submitJob(page, { image: TEST_IMAGE, command: 'echo never', cpu: '0', memory: '256m' })
    const cpuError = jobForm(page).getByRole('alert').filter({ hasText: 'cpu must be at least 0.1' })
    await cpuError.waitFor({ timeout: 5000 })
    expect(await cpu.getAttribute('aria-invalid')).toBe('true')
    expect(await isRightUnder(cpu, cpuError)).toBe(true)

    await submitJob(page, { cpu: '1', memory: 'lots' })
    const memoryError = jobForm(page).getByRole('alert').filter({ hasText: 'memory must be' })
    await memoryError.waitFor({ timeout: 5000 })
    expect(await memory.getAttribute('aria-invalid')).toBe('true')
    expect(await isRightUnder(memory, memoryError)).toBe(true)
    await screenshot(page, 'web-A-borrowing-invalid-memory')
    // The corrected CPU field is no longer flagged.
    expect(await cpu.getAttribute('aria-invalid')).not.toBe('true')
    expect(await cpuError.count()).toBe(0)

    // Give a wrongly sent request time to land: still no row, and the peer has no new task.
    await new Promise(resolve => setTimeout(resolve, 1500))
    expect(await page.getByText('No tasks yet', { exact: true }).isVisible()).toBe(true)
    expect(await myTasks(page).getByRole('button', { name: /^Logs / }).count()).toBe(0)
    expect((await peers.a.listTasks()).map(t => t.taskId)).toEqual(before)
  })

  it('a job submitted in A runs on B, its log lines appear live, and it ends "succeeded" on B', async () => {
    const before = (await peers.a.listTasks()).map(t => t.taskId)
    await submitJob(page, {
      image: TEST_IMAGE, command: 'for i in 1 2 3 4 5; do echo line $i; sleep 0.4; done', cpu: '1', memory: '64m', timeout: '60'
    })
    const taskId = await newTaskId(peers.a, before)
    const row = taskRow(page, taskId)
    await row.waitFor({ timeout: 10_000 })
    // The inline errors of a bad submit must not linger once the form is valid.
    expect(await jobForm(page).getByRole('alert').count()).toBe(0)
    await row.getByRole('button', { name: `Logs ${taskId.slice(0, 12)}`, exact: true }).click()

    const log = page.getByRole('log', { name: 'Task log' })
    await log.getByText('line 1').waitFor({ timeout: 30_000 })
    // Live: the first line is on screen while the task still runs (4 more lines, 1.6 s, to come),
    // and the table says so.
    expect(await statusInUi(page, taskId)).toMatch(/^(leased|running)$/)

    await expect.poll(() => statusInUi(page, taskId), { timeout: 30_000, interval: 200 }).toBe('succeeded')
    expect(await cellText(myTasks(page), row, 'Peer')).toContain(LENDER)
    expect(await cellText(myTasks(page), row, 'Exit')).toBe('0')
    for (const n of [1, 2, 3, 4, 5]) expect(await log.innerText()).toContain(`line ${n}`)
    // What the UI says is what the peers agree on.
    const state = await peers.a.getTask(taskId)
    expect(state).toMatchObject({ status: 'succeeded', holder: peers.b.peerId })
    await screenshot(page, 'web-A-borrowing-task-done')
  })
})
