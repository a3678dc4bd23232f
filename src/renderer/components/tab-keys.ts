// Keyboard movement in the "Views" tab list, kept apart from the component so it can be tested.
import { VIEW_TABS, type ViewTab } from '../store/state.js'

/** The tab an arrow/Home/End key leads to from `current` (wrapping around); undefined for other keys. */
export function tabForKey (key: string, current: ViewTab, tabs: readonly ViewTab[] = VIEW_TABS): ViewTab | undefined {
  const i = tabs.indexOf(current)
  const n = tabs.length
  switch (key) {
    case 'ArrowDown': case 'ArrowRight': return tabs[(i + 1) % n]
    case 'ArrowUp': case 'ArrowLeft': return tabs[(i - 1 + n) % n]
    case 'Home': return tabs[0]
    case 'End': return tabs[n - 1]
    default: return undefined
  }
}
