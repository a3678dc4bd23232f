// Binds the dashboard's store to React, like use-app.ts does for the peer views.
import { useStore } from 'zustand'
import type { DashboardActions, DashboardState, DashboardStore } from './dashboard-store.js'

let bound: DashboardStore | undefined

/** Called once by main.tsx before the first render. */
export function bindDashboardStore (store: DashboardStore): void {
  bound = store
}

function store (): DashboardStore {
  if (bound === undefined) throw new Error('bindDashboardStore() must run before rendering')
  return bound
}

/** Reads a narrow slice of the dashboard's state; wrap object results in useShallow. */
export function useDashboard<T> (selector: (state: DashboardState) => T): T {
  return useStore(store(), selector)
}

export const dashboardActions = (): DashboardActions => store().getState().actions
