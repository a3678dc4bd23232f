// Window math for fixed-height virtual lists: which rows to render for a scroll position.
export interface WindowInput {
  scrollTop: number
  viewportHeight: number
  rowHeight: number
  count: number
  /** Extra rows rendered above and below, so fast scrolling shows no blank edge. */
  overscan: number
}

export interface RowWindow {
  /** First row rendered (inclusive). */
  start: number
  /** Row after the last rendered (exclusive). */
  end: number
  /** Top of row `start`, px from the list's top. */
  offset: number
  /** Height of all rows, px. */
  totalHeight: number
}

export function rowWindow ({ scrollTop, viewportHeight, rowHeight, count, overscan }: WindowInput): RowWindow {
  const totalHeight = count * rowHeight
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0, totalHeight }
  const top = Math.max(0, Math.min(scrollTop, totalHeight))
  const first = Math.floor(top / rowHeight)
  const last = Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight)
  const start = Math.max(0, first - overscan)
  const end = Math.min(count, Math.max(last, first + 1) + overscan)
  return { start, end, offset: start * rowHeight, totalHeight }
}

/** Whether the view is scrolled to (within `slack` px of) the bottom, i.e. should follow new rows. */
export function isAtBottom (scrollTop: number, viewportHeight: number, scrollHeight: number, slack = 4): boolean {
  return scrollTop + viewportHeight >= scrollHeight - slack
}
