// The page: header, the "Views" tabs on the left, the selected view on the right.
import { useShallow } from 'zustand/react/shallow'
import { ConnectionBanner } from './components/connection-banner.js'
import { NoticeBar } from './components/notice-bar.js'
import { TokenPage } from './components/token-page.js'
import { useNow } from './components/use-now.js'
import { panelId, tabId, ViewTabs } from './components/view-tabs.js'
import { sharingStatusText } from './format/units.js'
import { tabsFor, type ViewTab } from './store/state.js'
import { appActions, useApp } from './store/use-app.js'
import { BorrowingPanel } from './views/borrowing-panel.js'
import { DashboardPanel } from './views/dashboard-panel.js'
import { LendingPanel } from './views/lending-panel.js'
import { NetworkPanel } from './views/network-panel.js'
import { SettingsPanel } from './views/settings-panel.js'

const PANELS: Record<ViewTab, () => React.JSX.Element> = {
  dashboard: DashboardPanel,
  lending: LendingPanel, borrowing: BorrowingPanel, network: NetworkPanel, settings: SettingsPanel
}

export function App (): React.JSX.Element {
  const link = useApp((s) => s.link)
  const tab = useApp((s) => s.tab)
  const tabs = tabsFor(useApp((s) => s.status.data?.role))
  if (link === 'unauthorized') return <TokenPage />
  return (
    <div className='app'>
      <Header />
      {link === 'down' && <ConnectionBanner onRetry={() => { appActions().retryConnection() }} />}
      <div className='layout'>
        <nav className='sidebar' aria-label='Main'>
          <ViewTabs tabs={tabs} tab={tab} onSelect={(t) => { appActions().selectTab(t) }} />
        </nav>
        <main className='content'>
          {tabs.map((t) => {
            const Panel = PANELS[t]
            return (
              // Every panel exists so each tab's aria-controls resolves; only the selected one renders.
              <div key={t} role='tabpanel' id={panelId(t)} aria-labelledby={tabId(t)} hidden={t !== tab} tabIndex={0} className='panel'>
                {t === tab && <Panel />}
              </div>
            )
          })}
        </main>
      </div>
      <NoticeBar />
    </div>
  )
}

function Header (): React.JSX.Element {
  const now = useNow(15_000)
  const { name, lending, sharing, executor } = useApp(useShallow((s) => ({
    name: s.status.data?.name, lending: s.lending.data, sharing: s.status.data?.sharing, executor: s.status.data?.executor
  })))
  const statusText = lending !== undefined
    ? sharingStatusText(lending, now, executor)
    : sharing !== undefined ? `Sharing: ${sharing === 'idle-only' ? 'idle only' : sharing}` : undefined
  const state = lending?.effective ?? sharing
  return (
    <header className='topbar'>
      <span className='brand'>Mutual Cloud</span>
      <span className='peer-name' title='This computer'>{name ?? '…'}</span>
      {statusText !== undefined && <span className={`sharing-status sharing-${state ?? 'unknown'}`}>{statusText}</span>}
    </header>
  )
}
