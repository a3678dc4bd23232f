// Headless Chromium for the web-mode specs: playwright-core drives the system's Chromium (it
// downloads no browser), found through .test-tmp/setup.json (scripts/test-setup.mjs records it).
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { TestContext } from 'vitest'
import { readSetup } from '../../test/helpers/docker.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** PNGs of every view and of failures; gitignored, kept by CI as test artifacts. */
export const ARTIFACTS_DIR = join(ROOT, 'e2e/artifacts')
export const UI_INDEX = join(ROOT, 'dist/ui/index.html')

/** The Chromium to drive: the set-up script's pick, else MCLOUD_CHROMIUM or Debian's path. */
export function chromiumPath (): string | undefined {
  const recorded = (readSetup() as { chromium?: string } | null)?.chromium
  return [recorded, process.env.MCLOUD_CHROMIUM, '/usr/bin/chromium'].find(p => p !== undefined && p !== '' && existsSync(p))
}

export async function launchBrowser (): Promise<Browser> {
  // A missing bundle would show up as a 503 page in every test: say the one thing to do instead.
  if (!existsSync(UI_INDEX)) throw new Error(`${UI_INDEX} is missing: run npm run build:ui (npm test does)`)
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error('no Chromium found: apt-get install -y chromium, or set MCLOUD_CHROMIUM')
  return await chromium.launch({
    executablePath,
    headless: true,
    // CI runs as root, where Chromium's sandbox cannot start; the rest cut start-up time and noise.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking']
  })
}

export interface OpenedPage {
  page: Page
  /** Uncaught exceptions of the page, printed when a test fails. */
  errors: string[]
}

export async function openPage (browser: Browser, url: string): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', err => { errors.push(err.stack ?? err.message) })
  page.on('console', msg => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`) })
  await page.goto(url)
  return { page, errors }
}

/** Saves a full-page PNG under ARTIFACTS_DIR and returns its path. */
export async function screenshot (page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  const path = join(ARTIFACTS_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** `failed-<what>-<the test's name>`: the name of a failed test's screenshot. */
export const failureName = (what: string, ctx: TestContext): string => `failed-${what}-${ctx.task.name.replace(/\W+/g, '-')}`

/**
 * For an afterEach: when the test failed, a screenshot of each page (best effort) under its name,
 * then the pages' errors on stderr (`errors` read after the screenshots).
 */
export async function reportFailure (ctx: TestContext, shots: Array<[Page, string]>, errors: string[] | (() => string[])): Promise<void> {
  if (ctx.task.result?.state !== 'fail') return
  for (const [page, name] of shots) await screenshot(page, name).catch(() => {})
  const lines = typeof errors === 'function' ? errors() : errors
  if (lines.length > 0) console.error('page errors:\n' + lines.join('\n'))
}

/** True when the file starts with the PNG signature and holds more than a blank image's bytes. */
export function isPng (path: string): boolean {
  const bytes = readFileSync(path)
  return bytes.length > 2000 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
}
