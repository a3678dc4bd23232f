// What a user does and sees, by the accessible names of docs/ui-contract.md (exact names only).
// playwright-core has no auto-retrying expect: callers poll with vitest's expect.poll.
import type { Locator, Page } from 'playwright-core'
import type { Peer } from '../../src/main/peer/index.js'
import { waitFor } from '../../test/helpers/cluster.js'

export type View = 'Lending' | 'Borrowing' | 'Network' | 'Settings'
export const VIEWS: readonly View[] = ['Lending', 'Borrowing', 'Network', 'Settings']

/** Clicks a tab of "Views" and returns its panel once it is shown. */
export async function showView (page: Page, view: View): Promise<Locator> {
  const tab = page.getByRole('tablist', { name: 'Views' }).getByRole('tab', { name: view, exact: true })
  await tab.click()
  await waitFor(`the ${view} tab to be selected`, async () => await tab.getAttribute('aria-selected') === 'true', 10_000)
  const panel = page.getByRole('tabpanel')
  await panel.waitFor({ state: 'visible' })
  return panel
}

export interface JobFields { image?: string, command?: string, cpu?: string, memory?: string, timeout?: string, environment?: string, inputFiles?: string }

export const jobForm = (page: Page): Locator => page.getByRole('form', { name: 'New job' })

export const jobField = (page: Page, label: 'Image' | 'Command' | 'CPU' | 'Memory' | 'Timeout' | 'Environment' | 'Input files'): Locator =>
  jobForm(page).getByLabel(label, { exact: true })

/** Fills the given fields of "New job" (others keep their values) and presses Submit. */
export async function submitJob (page: Page, fields: JobFields): Promise<void> {
  const labels = { image: 'Image', command: 'Command', cpu: 'CPU', memory: 'Memory', timeout: 'Timeout', environment: 'Environment', inputFiles: 'Input files' } as const
  for (const [key, value] of Object.entries(fields) as Array<[keyof JobFields, string]>) {
    await jobField(page, labels[key]).fill(value)
  }
  await jobForm(page).getByRole('button', { name: 'Submit', exact: true }).click()
}

/** The id of the one task that appears in `peer`'s list after `before` (the UI submitted it). */
export async function newTaskId (peer: Peer, before: string[], timeoutMs = 15_000): Promise<string> {
  return await waitFor('the submitted task to reach the peer', async () => {
    const added = (await peer.listTasks()).filter(t => t.mine && !before.includes(t.taskId))
    if (added.length > 1) throw new Error(`one submit made ${added.length} tasks`)
    return added[0]?.taskId
  }, timeoutMs)
}

export const myTasks = (page: Page): Locator => page.getByRole('table', { name: 'My tasks' })

/** The row of "My tasks" whose Logs button names this task (first 12 hex chars). */
export const taskRow = (page: Page, taskId: string): Locator =>
  myTasks(page).getByRole('row').filter({ has: page.getByRole('button', { name: `Logs ${taskId.slice(0, 12)}`, exact: true }) })

/** Text of a row's cell under the column header `column` (header order read from the table). */
export async function cellText (table: Locator, row: Locator, column: string): Promise<string> {
  const headers = (await table.getByRole('columnheader').allInnerTexts()).map(h => h.trim())
  const i = headers.indexOf(column)
  if (i < 0) throw new Error(`table has no column "${column}" (it has: ${headers.join(', ')})`)
  return (await row.locator(':scope > *').nth(i).innerText()).trim()
}

/** The status a user reads in "My tasks" for this task ('' while the row is not there). */
export async function statusInUi (page: Page, taskId: string): Promise<string> {
  const row = taskRow(page, taskId)
  return await row.count() === 0 ? '' : await cellText(myTasks(page), row, 'Status')
}

/** Vertical placement of `below` right under `above` (inline messages sit under their field). */
export async function isRightUnder (above: Locator, below: Locator, maxGapPx = 40): Promise<boolean> {
  const a = await above.boundingBox()
  const b = await below.boundingBox()
  if (a === null || b === null) return false
  const gap = b.y - (a.y + a.height)
  const overlapsHorizontally = b.x < a.x + a.width && a.x < b.x + b.width
  return gap >= -1 && gap <= maxGapPx && overlapsHorizontally
}
