// The owner's switch, in the browser: "Paused" in B's Lending view stops B from taking work (A's
// job stays queued and A's "Why not placed" gives B's reason); "On" lets the job run on B. B's
// image policy, set in its Settings, keeps A's job of another image queued, and A is told why.
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../test/helpers/cluster.js'
import { TEST_IMAGE } from '../test/helpers/docker.js'
import { launchBrowser, openPage, reportFailure, screenshot } from './helpers/browser.js'
import { e2eReady, LENDER, startWebPeers, uiUrlOf, type WebPeers } from './helpers/peers.js'
import { cellText, myTasks, newTaskId, showView, statusInUi, submitJob, taskRow } from './helpers/ui.js'

const OWNER = 'mcloud-e2e-web-sharing'
// Long enough for B to have seen the task and chosen not to claim it (B claims within ~1 s when on).
const STAYS_QUEUED_MS = 4000

describe.skipIf(!e2eReady())('web UI: sharing switch', () => {
  let peers: WebPeers
  let browser: Browser
  let pageA: Page
  let pageB: Page
  let errors: () => string[] = () => []

  beforeAll(async () => {
    [peers, browser] = await Promise.all([startWebPeers(OWNER), launchBrowser()])
    const [a, b] = await Promise.all([openPage(browser, await uiUrlOf(peers.a)), openPage(browser, await uiUrlOf(peers.b))])
    pageA = a.page
    pageB = b.page
    errors = () => [...a.errors, ...b.errors]
  })
  afterEach(async (ctx) => { await reportFailure(ctx, [[pageA, 'failed-sharing-A'], [pageB, 'failed-sharing-B']], errors) })
  afterAll(async () => {
    await browser?.close()
    await peers?.stop()
  })

  it('"Paused" on B keeps A\'s job queued with B\'s reason; "On" lets B run it', async () => {
    const lendingB = await showView(pageB, 'Lending')
    const sharing = lendingB.getByRole('radiogroup', { name: 'Sharing' })
    await sharing.getByRole('radio', { name: 'Paused', exact: true }).click()
    await waitFor('B to stop claiming', () => !peers.b.lending.view().claiming && peers.b.lending.view().effective === 'paused', 10_000)
    // The peer may switch before the UI has its answer: the radio follows within moments.
    await expect.poll(async () => await sharing.getByRole('radio', { name: 'Paused', exact: true }).isChecked(), { timeout: 5000 }).toBe(true)
    // The owner sees the state in words: the header and the reason in the Lending view.
    await pageB.getByText('Sharing: paused', { exact: true }).waitFor({ timeout: 5000 })
    await lendingB.getByText('paused by the owner').first().waitFor({ timeout: 5000 })

    await showView(pageA, 'Borrowing')
    const before = (await peers.a.listTasks()).map(t => t.taskId)
    await submitJob(pageA, { image: TEST_IMAGE, command: 'echo ran after resume', cpu: '1', memory: '64m', timeout: '60' })
    const taskId = await newTaskId(peers.a, before)
    await taskRow(pageA, taskId).waitFor({ timeout: 10_000 })

    // Queued, and it stays queued: polled in the UI and at the peer for a few seconds.
    const until = Date.now() + STAYS_QUEUED_MS
    while (Date.now() < until) {
      expect(await statusInUi(pageA, taskId)).toBe('queued')
      expect((await peers.a.getTask(taskId)).status).toBe('queued')
      await new Promise(resolve => setTimeout(resolve, 250))
    }

    await taskRow(pageA, taskId).getByRole('button', { name: `Logs ${taskId.slice(0, 12)}`, exact: true }).click()
    const why = pageA.getByRole('region', { name: 'Why not placed' })
    // B's name next to B's reason (answers read "peer name: message").
    await expect.poll(async () => await why.count() === 0 ? '' : await why.innerText(), { timeout: 20_000, interval: 250 })
      .toMatch(new RegExp(`${LENDER}\\W+paused by the owner`))
    await screenshot(pageA, 'web-A-why-not-placed')

    await sharing.getByRole('radio', { name: 'On', exact: true }).click()
    await pageB.getByText('Sharing: on', { exact: true }).waitFor({ timeout: 5000 })
    await expect.poll(() => statusInUi(pageA, taskId), { timeout: 30_000, interval: 200 }).toBe('succeeded')
    expect(await cellText(myTasks(pageA), taskRow(pageA, taskId), 'Peer')).toContain(LENDER)
    expect((await peers.a.getTask(taskId)).holder).toBe(peers.b.peerId)
  })

  it('an image policy saved in B\'s Settings: a bad pattern is named under its field; A\'s job of another image is declined by name', async () => {
    const form = (await showView(pageB, 'Settings')).getByRole('form', { name: 'Sharing settings' })
    const images = form.getByLabel('Allowed images', { exact: true })
    const save = form.getByRole('button', { name: 'Save', exact: true })
    await images.fill('mcloud-test/*\npython 3')
    await save.click()
    const error = form.getByRole('alert').filter({ hasText: 'python 3' })
    await error.waitFor({ timeout: 5000 })
    expect(await error.innerText()).toBe('allowedImages: "python 3" may hold only letters, digits, . _ - / : @ and * (no spaces)')
    expect(await images.getAttribute('aria-invalid')).toBe('true')
    await screenshot(pageB, 'web-B-sharing-settings-bad-image-pattern')
    expect(peers.b.lending.settings.allowedImages).toEqual([])

    await images.fill('mcloud-test/*')
    await form.getByLabel('Max run time per task', { exact: true }).fill('2h')
    await save.click()
    await form.getByRole('status').filter({ hasText: 'Saved' }).waitFor({ timeout: 5000 })
    expect(peers.b.lending.settings).toMatchObject({ allowedImages: ['mcloud-test/*'], maxTaskTimeSec: 7200 })

    // A's job of an image B does not allow stays queued, and A's "Why not placed" says why in one sentence.
    await showView(pageA, 'Borrowing')
    const before = (await peers.a.listTasks()).map(t => t.taskId)
    await submitJob(pageA, { image: 'docker.io/evil:latest', command: 'echo never', cpu: '1', memory: '64m', timeout: '60' })
    const taskId = await newTaskId(peers.a, before)
    await taskRow(pageA, taskId).getByRole('button', { name: `Logs ${taskId.slice(0, 12)}`, exact: true }).click()
    const why = pageA.getByRole('region', { name: 'Why not placed' })
    await expect.poll(async () => await why.count() === 0 ? '' : await why.innerText(), { timeout: 20_000, interval: 250 })
      .toContain(`no peer accepts image docker.io/evil:latest (declined by policy: ${LENDER})`)
    await screenshot(pageA, 'web-A-why-image-not-allowed')
    expect((await peers.a.getTask(taskId)).status).toBe('queued')
    await peers.a.cancelTask(taskId)
    await peers.b.updateSharing({ allowedImages: [], maxTaskTimeSec: null })
  })
})
