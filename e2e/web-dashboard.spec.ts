// The control peer's dashboard in the browser, against real peers: a control peer (embedded PGlite
// in a temp data dir, serving the UI) and two providers running tasks in real Docker containers.
// The page opens on the Dashboard; the figures, the task history, the nodes and a task's detail
// (transitions and its log live through the relay) show what the network did.
import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startControlPeer, type ControlPeer } from '../src/main/control/index.js'
import { DockerExecutor } from '../src/main/executor/docker/index.js'
import { quietSampler, startCluster, waitFor, type Cluster } from '../test/helpers/cluster.js'
import { TEST_IMAGE } from '../test/helpers/docker.js'
import { failureName, launchBrowser, openPage, reportFailure, screenshot } from './helpers/browser.js'
import { e2eReady, removeContainers, uiUrlOf } from './helpers/peers.js'
import { cellText } from './helpers/ui.js'

const OWNER = 'mcloud-e2e-web-dashboard'
const PROVIDERS = ['provider-1', 'provider-2']
const CONTROL = 'control-c'

const short = (taskId: string): string => taskId.slice(0, 12)

describe.skipIf(!e2eReady())('web UI: the control peer dashboard', () => {
  let cluster: Cluster
  let control: ControlPeer
  let browser: Browser
  let page: Page
  let errors: string[] = []
  const quick: string[] = []
  let ticking = ''

  beforeAll(async () => {
    [cluster, browser] = await Promise.all([
      startCluster(2, i => ({
        name: PROVIDERS[i],
        executor: new DockerExecutor({ owner: OWNER }),
        sharing: { mode: 'on', maxCpu: 2, maxMemoryMb: 1024, maxTasks: 2, maxOwnerCpuPct: 100 }
      })),
      launchBrowser()
    ])
    control = await startControlPeer({
      dataDir: join(cluster.root, 'control'), name: CONTROL, listen: ['/ip4/127.0.0.1/tcp/0'], orgKeyFile: cluster.orgKeyFile,
      mdns: false, apiPort: 0, bootstrap: [cluster.peers[0]!.node.getMultiaddrs()[0]!.toString()], leaseTtlMs: 3000,
      sampler: quietSampler()
    })
    const submitter = cluster.peers[0]!
    for (let i = 0; i < 3; i++) {
      quick.push((await submitter.submitTask({ image: TEST_IMAGE, command: ['sh', '-c', `echo quick-${i}`], cpu: 0.5, memoryMb: 64 })).taskId)
    }
    // Prints for a while, so its log is followed live while it runs.
    ticking = (await submitter.submitTask({
      image: TEST_IMAGE, command: ['sh', '-c', 'for i in $(seq 1 20); do echo tick-$i; sleep 1; done'], cpu: 0.5, memoryMb: 64
    })).taskId
    ;({ page, errors } = await openPage(browser, await uiUrlOf(control.peer)))
  })
  afterEach(async (ctx) => { await reportFailure(ctx, [[page, failureName('dashboard', ctx)]], errors) })
  afterAll(async () => {
    await browser?.close()
    await control?.stop()
    await cluster?.stop()
    removeContainers(OWNER)
  })

  const history = (): Locator => page.getByRole('table', { name: 'Task history' })
  const historyRow = (taskId: string): Locator =>
    history().getByRole('row').filter({ has: page.getByRole('button', { name: `Details ${short(taskId)}`, exact: true }) })
  const historyStatus = async (taskId: string): Promise<string> =>
    await historyRow(taskId).count() === 0 ? '' : await cellText(history(), historyRow(taskId), 'Status')
  const figure = (label: string): Locator => page.getByRole('group', { name: label, exact: true })

  it('opens on the Dashboard, first of the views', async () => {
    const tabs = page.getByRole('tablist', { name: 'Views' }).getByRole('tab')
    await expect.poll(async () => await tabs.allInnerTexts(), { timeout: 15_000 }).toEqual(['Dashboard', 'Lending', 'Borrowing', 'Network', 'Settings'])
    const dashboard = page.getByRole('tab', { name: 'Dashboard', exact: true })
    await expect.poll(async () => await dashboard.getAttribute('aria-selected'), { timeout: 10_000 }).toBe('true')
    await figure('Database').waitFor({ timeout: 30_000 })
    expect(await figure('Database').innerText()).toMatch(/\bup\b/)
    await expect.poll(async () => await page.getByText(/^Updated \d\d:\d\d:\d\d$/).count(), { timeout: 15_000 }).toBe(1)
  })

  it('a task\'s detail shows its log live through the relay, where it runs, and how it ended', async () => {
    await historyRow(ticking).waitFor({ timeout: 30_000 })
    await historyRow(ticking).getByRole('button', { name: `Details ${short(ticking)}` }).click()
    const detail = page.getByRole('region', { name: 'Task detail' })
    await detail.getByRole('heading', { name: ticking }).waitFor({ timeout: 10_000 })
    const log = detail.getByRole('log', { name: 'Task log' })
    const relayStatus = detail.getByRole('status').filter({ hasText: /^(Now on|Ended|Waiting|Connecting)/ })

    // While it runs: its lines arrive and the line above the log names the provider running it.
    await expect.poll(async () => await log.innerText(), { timeout: 90_000, interval: 250 }).toMatch(/tick-\d+/)
    const running = await relayStatus.innerText()
    expect(running).toMatch(new RegExp(`^Now on (${PROVIDERS.join('|')}) \\(epoch \\d+\\)$`))
    const holder = PROVIDERS.find(p => running.includes(p))!
    expect(await log.innerText()).toContain(`now on ${holder}`)
    expect(await log.innerText()).not.toContain('tick-20')
    await screenshot(page, 'web-dashboard-live-log')

    // The end: the final status above the log, the last line in it.
    await expect.poll(async () => await relayStatus.innerText(), { timeout: 60_000, interval: 250 }).toBe('Ended: succeeded (exit code 0)')
    expect(await log.innerText()).toContain('tick-20')
    expect(await log.innerText()).toContain('succeeded with exit code 0')

    // Its transitions, oldest first: leased and running on that provider, then succeeded.
    const transitions = detail.getByRole('table', { name: 'Transitions' })
    await expect.poll(async () => await transitions.getByRole('row').allInnerTexts(), { timeout: 15_000 })
      .toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`running\\s+${holder}`)), expect.stringMatching(/succeeded/)]))
    const rows = (await transitions.getByRole('row').allInnerTexts()).slice(1)
    expect(rows[rows.length - 1]).toMatch(new RegExp(`succeeded\\s+${holder}`))
    expect(await detail.getByText('No recoveries: no peer had to take this task over.').count()).toBe(1)
  })

  it('after the tasks finished: 100 % success, each one "succeeded" in the history, a node row per provider', async () => {
    const all = [...quick, ticking]
    await waitFor('every task to succeed', async () =>
      (await Promise.all(all.map(async id => (await cluster.peers[0]!.getTask(id)).status))).every(s => s === 'succeeded'), 90_000, 250)
    // The figures follow within a refresh (5 s) of the control peer seeing the last task end.
    await expect.poll(async () => await figure('Success rate').innerText(), { timeout: 30_000, interval: 500 })
      .toContain(`${all.length} succeeded, 0 failed`)
    expect(await figure('Success rate').innerText()).toMatch(/^Success rate\s+100 %/)
    expect(await figure('Tasks').innerText()).toContain(`${all.length} succeeded`)
    for (const id of all) {
      await expect.poll(async () => await historyStatus(id), { timeout: 20_000, interval: 500 }).toBe('succeeded')
      expect(PROVIDERS).toContain(await cellText(history(), historyRow(id), 'Peer'))
    }

    // Filtering by status asks the control peer again: none failed.
    await page.getByLabel('Status', { exact: true }).selectOption('failed')
    await page.getByText('No failed tasks', { exact: true }).waitFor({ timeout: 10_000 })
    await page.getByLabel('Status', { exact: true }).selectOption('succeeded')
    await historyRow(ticking).waitFor({ timeout: 10_000 })

    const nodes = page.getByRole('table', { name: 'Nodes' })
    for (const name of PROVIDERS) {
      const row = nodes.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) })
      await row.waitFor({ timeout: 30_000 })
      expect(await cellText(nodes, row, 'Alive')).toBe('yes')
      expect(await cellText(nodes, row, 'Utilisation')).toMatch(/^(\d+ %|—)$/)
    }
    // The providers' succeeded counts add up to the tasks that ran.
    await expect.poll(async () => {
      let sum = 0
      for (const name of PROVIDERS) {
        const row = nodes.getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) })
        sum += Number(await cellText(nodes, row, 'Succeeded'))
      }
      return sum
    }, { timeout: 20_000, interval: 500 }).toBe(all.length)
    await screenshot(page, 'web-dashboard')
  })

  it('a task handed back by its provider ("Stop now") is followed to the other one: log note, recovery, recovery time', async () => {
    const taskId = (await cluster.peers[0]!.submitTask({
      image: TEST_IMAGE, command: ['sh', '-c', 'for i in $(seq 1 60); do echo step-$i; sleep 1; done'], cpu: 0.5, memoryMb: 64
    })).taskId
    await page.getByLabel('Status', { exact: true }).selectOption('all')
    await historyRow(taskId).waitFor({ timeout: 30_000 })
    await historyRow(taskId).getByRole('button', { name: `Details ${short(taskId)}` }).click()
    const detail = page.getByRole('region', { name: 'Task detail' })
    await detail.getByRole('heading', { name: taskId }).waitFor({ timeout: 10_000 })
    const log = detail.getByRole('log', { name: 'Task log' })
    const relayStatus = detail.getByRole('status').filter({ hasText: /^(Now on|Ended|Waiting|Connecting)/ })
    await expect.poll(async () => await log.innerText(), { timeout: 90_000, interval: 250 }).toMatch(/step-2\b/)
    const before = await relayStatus.innerText()
    const from = PROVIDERS.find(p => before.startsWith(`Now on ${p} (epoch`))
    if (from === undefined) throw new Error(`the relay names no provider: "${before}"`)
    const to = PROVIDERS.find(p => p !== from)!

    // Its owner presses "Stop now": sharing paused, the task handed back; the other provider takes it.
    await cluster.peers[PROVIDERS.indexOf(from)]!.stopNow()
    await expect.poll(async () => await relayStatus.innerText(), { timeout: 60_000, interval: 250 }).toMatch(new RegExp(`^Now on ${to} \\(epoch \\d+\\)$`))
    // The note in the log, then the new run starting over (checked early: the log renders only the rows near its end).
    await expect.poll(async () => await log.innerText(), { timeout: 30_000, interval: 250 })
      .toMatch(new RegExp(`now on ${to} \\(epoch \\d+\\)[\\s\\S]*step-1(?!\\d)`))

    const recoveries = detail.getByRole('table', { name: 'Recoveries' })
    await recoveries.waitFor({ timeout: 30_000 })
    const row = recoveries.getByRole('row').nth(1)
    expect(await cellText(recoveries, row, 'From')).toBe(from)
    expect(await cellText(recoveries, row, 'To')).toBe(to)
    expect(await cellText(recoveries, row, 'Gap')).toMatch(/^\d+(\.\d)? s$|min/)
    await expect.poll(async () => await figure('Recovery time').innerText(), { timeout: 20_000, interval: 500 }).toMatch(/p50 .+ · p95 .+ · max /)
    expect(await figure('Recovery time').innerText()).toContain('1 task moved to another peer')
    await screenshot(page, 'web-dashboard-recovery')

    // Cancelled by its submitter: the relay ends with that status.
    await cluster.peers[0]!.cancelTask(taskId)
    await expect.poll(async () => await relayStatus.innerText(), { timeout: 30_000, interval: 250 }).toMatch(/^Ended: cancelled/)
  })
})
