// The desktop app end to end: the real Electron window, preload and IPC in front of a real peer
// running tasks in Docker. The same flow as the web specs (submit a job in the UI, it succeeds,
// its log shows), plus the window's lock-down. Skipped, with the reason printed, where the
// Electron binary is not installed (electron@45 downloads it on first launch; CI machines
// without network have none), where there is no display, or where Docker is not ready.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { _electron, type ElectronApplication, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { API_INFO_FILE, API_METHODS, API_TOKEN_FILE, type ApiInfo, type MCloudApi } from '../src/shared/api.js'
import { readSetup, TEST_IMAGE } from '../test/helpers/docker.js'
import { waitFor } from '../test/helpers/cluster.js'
import { failureName, reportFailure } from './helpers/browser.js'
import { myTasks, showView, statusInUi, submitJob, taskRow } from './helpers/ui.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ELECTRON = join(ROOT, 'node_modules', 'electron')

/**
 * Whether electron's launcher would find its binary without downloading it. Never require('electron')
 * to find out: its index.js starts the download when the binary is missing.
 */
function electronBinaryPresent (): boolean {
  const pathFile = join(ELECTRON, 'path.txt')
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : null
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  if (override !== undefined) return existsSync(join(override, relative ?? 'electron'))
  return relative !== null && existsSync(join(ELECTRON, 'dist', relative))
}

function skipReason (): string | null {
  if (!electronBinaryPresent()) {
    return 'the Electron binary is not installed (node_modules/electron/path.txt and dist/ are missing; ' +
      'electron@45 downloads it on first launch, which needs github.com — run `npx install-electron` where there is network)'
  }
  if (process.platform === 'linux' && process.env.DISPLAY === undefined && process.env.WAYLAND_DISPLAY === undefined) {
    return 'no display for the window: run the e2e tests under xvfb-run'
  }
  if (readSetup()?.docker !== true) return 'no Docker engine or test image (run node scripts/test-setup.mjs)'
  return null
}

const reason = skipReason()
if (reason !== null) console.warn(`e2e/electron.spec.ts skipped: ${reason}`)

type Bridge = Window & { mcloud: MCloudApi }

describe.skipIf(reason !== null)('desktop app (Electron)', () => {
  let app: ElectronApplication
  let page: Page
  let dataDir: string
  const errors: string[] = []

  beforeAll(async () => {
    // The spec runs what `npm start` runs: the UI and the Electron bundles, fresh.
    if (!existsSync(join(ROOT, 'dist/ui/index.html'))) execFileSync(process.execPath, ['scripts/build-ui.mjs'], { cwd: ROOT, stdio: 'inherit' })
    execFileSync(process.execPath, ['scripts/build-electron.mjs'], { cwd: ROOT, stdio: 'inherit' })
    dataDir = await mkdtemp(join(tmpdir(), 'mcloud-e2e-electron-'))
    const setup = readSetup()
    app = await _electron.launch({
      args: [ROOT],
      cwd: ROOT,
      // MCLOUD_DATA_DIR also gives the app its own Chromium profile and single-instance lock.
      env: { ...process.env, MCLOUD_DATA_DIR: dataDir, ...(setup?.dockerHost !== undefined ? { DOCKER_HOST: setup.dockerHost } : {}) },
      timeout: 60_000
    })
    page = await app.firstWindow({ timeout: 60_000 })
    page.on('pageerror', err => { errors.push(err.stack ?? err.message) })
    await page.waitForLoadState('domcontentloaded')
  }, 120_000)

  afterEach(async (ctx) => { await reportFailure(ctx, [[page, failureName('electron', ctx)]], errors) })

  afterAll(async () => {
    // Quitting hands running tasks back and stops the peer (before-quit in power.ts).
    await app?.close()
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
  }, 60_000)

  it('gives the page window.mcloud and nothing of Node', async () => {
    expect(await page.title()).toBe('Mutual Cloud')
    const seen = await page.evaluate(() => ({
      methods: Object.keys((window as unknown as Bridge).mcloud).sort(),
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process
    }))
    expect(seen).toEqual({ methods: [...API_METHODS, 'subscribe'].sort(), require: 'undefined', process: 'undefined' })
  })

  it('a job submitted in the window succeeds on this computer and its log shows', async () => {
    await showView(page, 'Borrowing')
    const listTasks = async (): Promise<string[]> =>
      await page.evaluate(async () => (await (window as unknown as Bridge).mcloud.listTasks()).filter(t => t.mine).map(t => t.taskId))
    const before = await listTasks()
    await submitJob(page, { image: TEST_IMAGE, command: 'echo hello from the desktop app', cpu: '1', memory: '64m', timeout: '60' })
    const taskId = await waitFor('the submitted task', async () => (await listTasks()).find(id => !before.includes(id)), 15_000)
    await taskRow(page, taskId).waitFor({ timeout: 10_000 })
    await waitFor('the task to succeed in "My tasks"', async () => await statusInUi(page, taskId) === 'succeeded', 90_000, 250)
    await myTasks(page).getByRole('button', { name: `Logs ${taskId.slice(0, 12)}`, exact: true }).click()
    await page.getByRole('log', { name: 'Task log' }).getByText('hello from the desktop app').waitFor({ timeout: 30_000 })
  }, 150_000)

  it('answers a bad argument over IPC with the field named', async () => {
    const err = await page.evaluate(async () =>
      await (window as unknown as Bridge).mcloud.submitTask({ image: 'busybox', command: ['true'], cpu: 0 }).catch((e: unknown) => e))
    expect(err).toMatchObject({ name: 'ValidationError', field: 'cpu' })
  })

  it('does not let the page navigate away', async () => {
    const before = page.url()
    await page.evaluate(() => { window.location.href = 'https://example.com/' }).catch(() => {})
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(page.url()).toBe(before)
    expect(before.startsWith('file:')).toBe(true)
  })

  it('keeps the local API up for the CLI', async () => {
    const info = JSON.parse(await readFile(join(dataDir, API_INFO_FILE), 'utf8')) as ApiInfo
    const token = (await readFile(join(dataDir, API_TOKEN_FILE), 'utf8')).trim()
    const res = await fetch(`${info.url}/api/status`, { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { dataDir: string }).dataDir).toBe(dataDir)
  })
})
