// Binds the one store to React: views call useApp(selector) and appActions(); no Context needed.
import { useStore } from 'zustand'
import type { AppActions, AppState, AppStore } from './app-store.js'

let bound: AppStore | undefined

/** Called once by main.tsx before the first render. */
export function bindAppStore (store: AppStore): void {
  bound = store
}

function store (): AppStore {
  if (bound === undefined) throw new Error('bindAppStore() must run before rendering')
  return bound
}

/** Reads a narrow slice of the state; wrap object results in useShallow. */
export function useApp<T> (selector: (state: AppState) => T): T {
  return useStore(store(), selector)
}

export const appActions = (): AppActions => store().getState().actions
