// The "Views" tab list: arrow keys move between tabs (and select them), Home/End jump to the ends.
import { useRef, type KeyboardEvent } from 'react'
import type { ViewTab } from '../store/state.js'
import { tabForKey } from './tab-keys.js'

export const TAB_LABELS: Record<ViewTab, string> = {
  dashboard: 'Dashboard',
  lending: 'Lending', borrowing: 'Borrowing', network: 'Network', settings: 'Settings'
}

export const tabId = (tab: ViewTab): string => `tab-${tab}`
export const panelId = (tab: ViewTab): string => `panel-${tab}`

export function ViewTabs ({ tabs, tab, onSelect }: { tabs: readonly ViewTab[], tab: ViewTab, onSelect: (tab: ViewTab) => void }): React.JSX.Element {
  const refs = useRef(new Map<ViewTab, HTMLButtonElement>())
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const next = tabForKey(e.key, tab, tabs)
    if (next === undefined) return
    e.preventDefault()
    onSelect(next)
    refs.current.get(next)?.focus()
  }
  return (
    <div role='tablist' aria-label='Views' aria-orientation='vertical' className='tabs' onKeyDown={onKeyDown}>
      {tabs.map((t) => (
        <button
          key={t}
          ref={(el) => { if (el !== null) refs.current.set(t, el); else refs.current.delete(t) }}
          type='button'
          role='tab'
          id={tabId(t)}
          aria-selected={t === tab}
          aria-controls={panelId(t)}
          // Roving tabindex: Tab enters the list at the selected tab, arrows move inside it.
          tabIndex={t === tab ? 0 : -1}
          className='tab'
          onClick={() => { onSelect(t) }}
        >
          {TAB_LABELS[t]}
        </button>
      ))}
    </div>
  )
}
