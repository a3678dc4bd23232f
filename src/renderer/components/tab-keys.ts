// Keyboard movement in the "Views" tab list, kept apart from the component so it can be tested.
import { VIEW_TABS, type ViewTab } from '../store/state.js'

/** The tab an arrow/Home/End key leads to from `current` (wrapping around); undefined for other keys. */
export function tabForKey (key: string, current: ViewTab): ViewTab | undefined {
  const i = VIEW_TABS.indexOf(current)
  const n = VIEW_TABS.length
  switch (key) {
    case 'ArrowDown': case 'ArrowRight': return VIEW_TABS[(i + 1) % n]
    case 'ArrowUp': case 'ArrowLeft': return VIEW_TABS[(i - 1 + n) % n]
    case 'Home': return VIEW_TABS[0]
    case 'End': return VIEW_TABS[n - 1]
    default: return undefined
  }
}
