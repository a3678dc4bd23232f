// The renderer's entry: pick the transport, create the store, keep it in sync, render.
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app.js'
import { createAppStore } from './store/app-store.js'
import { createDashboardStore } from './store/dashboard-store.js'
import { startSync } from './store/sync.js'
import { bindAppStore } from './store/use-app.js'
import { bindDashboardStore } from './store/use-dashboard.js'
import { createTransport } from './transport/index.js'
import './styles.css'

const transport = createTransport()
const store = createAppStore(transport)
bindAppStore(store)
// Only a control peer's page shows the Dashboard; its store stays idle until the tab is opened.
bindDashboardStore(createDashboardStore(transport))
startSync(store, transport)

const root = document.getElementById('root')
if (root === null) throw new Error('index.html has no #root element')
createRoot(root).render(<StrictMode><App /></StrictMode>)
