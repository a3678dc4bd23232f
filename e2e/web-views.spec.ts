// Every view of both peers renders with real data (PNG of each kept as a test artifact), the page
// refuses to work without its token, and `mcloud ui-url` prints the address that opens it.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Peer } from '../src/main/peer/index.js'
import { failureName, launchBrowser, openPage, reportFailure, screenshot, isPng, type OpenedPage } from './helpers/browser.js'
import { BORROWER, e2eReady, LENDER, startWebPeers, uiUrlOf, type WebPeers } from './helpers/peers.js'
import { showView, VIEWS, type View } from './helpers/ui.js'

const OWNER = 'mcloud-e2e-web-views'
const MCLOUD = fileURLToPath(new URL('../bin/mcloud.js', import.meta.url))
const TOKEN_MESSAGE = /This page needs its access token: run\s*`?mcloud ui-url`?\s*and open the URL it prints/

/** What each view shows once its data is in, so the screenshot is not of a spinner. */
const LOADED: Record<View, (panel: Locator, other: string) => Locator> = {
  Lending: panel => panel.getByRole('radiogroup', { name: 'Sharing' }),
  Borrowing: panel => panel.getByRole('form', { name: 'New job' }),
  // The other peer is listed by name: the view shows live network data, not an empty table.
  Network: (panel, other) => panel.getByRole('table', { name: 'Peers' }).getByRole('row').filter({ hasText: other }),
  Settings: panel => panel.getByRole('form', { name: 'Sharing settings' })
}

function runMcloud (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, [MCLOUD, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr })
    })
  })
}

describe.skipIf(!e2eReady())('web UI: views, token, ui-url', () => {
  let peers: WebPeers
  let browser: Browser
  let current: OpenedPage | undefined

  beforeAll(async () => {
    [peers, browser] = await Promise.all([startWebPeers(OWNER), launchBrowser()])
  })
  afterEach(async (ctx) => {
    if (current === undefined) return
    await reportFailure(ctx, [[current.page, failureName('views', ctx)]], current.errors)
  })
  afterAll(async () => {
    await browser?.close()
    await peers?.stop()
  })

  const open = async (url: string): Promise<Page> => {
    current = await openPage(browser, url)
    return current.page
  }

  for (const [label, pick, name, other] of [['A', 'a', BORROWER, LENDER], ['B', 'b', LENDER, BORROWER]] as const) {
    it(`every view of ${label} (${name}) renders its data; screenshots saved`, async () => {
      const peer: Peer = peers[pick]
      const page = await open(await uiUrlOf(peer))
      expect(await page.title()).toBe('Mutual Cloud')
      // The header names this peer, and the token has left the address bar (and history).
      await page.getByText(name, { exact: true }).first().waitFor({ timeout: 10_000 })
      expect(page.url()).not.toContain('token=')
      for (const view of VIEWS) {
        const panel = await showView(page, view)
        await LOADED[view](panel, other).first().waitFor({ timeout: 20_000 })
        await waitUntilGone(panel.getByText('Loading…'))
        const file = await screenshot(page, `web-${label}-${view.toLowerCase()}`)
        expect(isPng(file)).toBe(true)
      }
    })
  }

  it('without a token, or with a wrong one, the page says how to get the right URL', async () => {
    for (const url of [`${peers.a.apiUrl}/`, `${peers.a.apiUrl}/?token=not-the-token`]) {
      const page = await open(url)
      await expect.poll(async () => await page.locator('body').innerText(), { timeout: 10_000 }).toMatch(TOKEN_MESSAGE)
      // Nothing of the app is shown to a page without the token.
      expect(await page.getByRole('tablist', { name: 'Views' }).count()).toBe(0)
    }
    await screenshot(current!.page, 'web-A-no-token')
  })

  it('reloading the page keeps the UI: the token is kept for the session, not only in the URL', async () => {
    const page = await open(await uiUrlOf(peers.a))
    await page.getByRole('tablist', { name: 'Views' }).waitFor({ timeout: 10_000 })
    expect(page.url()).not.toContain('token=')
    await page.reload()
    expect(await page.locator('body').innerText()).not.toMatch(TOKEN_MESSAGE)
    await page.getByRole('tablist', { name: 'Views' }).waitFor({ timeout: 10_000 })
  })

  it('`mcloud ui-url --data-dir DIR` prints the URL that opens the UI', async () => {
    const { dataDir } = await peers.a.status()
    const r = await runMcloud(['ui-url', '--data-dir', dataDir])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`${await uiUrlOf(peers.a)}\n`)
    const page = await open(r.stdout.trim())
    await page.getByRole('tablist', { name: 'Views' }).waitFor({ timeout: 10_000 })
    await page.getByText(BORROWER, { exact: true }).first().waitFor({ timeout: 10_000 })
  })
})

async function waitUntilGone (loc: Locator): Promise<void> {
  await expect.poll(() => loc.count(), { timeout: 20_000, interval: 100 }).toBe(0)
}
