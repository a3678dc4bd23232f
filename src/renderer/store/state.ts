// The shape of the renderer's state: what the peer told us, plus what the user selected.
import type { PeerConfigView, PeerView, StatusResponse } from '../../shared/api.js'
import type { LendingView, WhyResponse } from '../../shared/sharing.js'
import type { LinkState } from '../transport/index.js'
import type { LendSample } from './history.js'
import type { TaskLog } from './logs.js'
import { emptyResource, type Resource } from './resource.js'
import type { HeldSince, TaskMap } from './tasks.js'
import type { InputFetches, OutputsDownloads } from './transfers.js'

/** The views every peer shows. */
export const VIEW_TABS = ['lending', 'borrowing', 'network', 'settings'] as const
/** A control peer adds its dashboard. */
export type ViewTab = 'dashboard' | typeof VIEW_TABS[number]

/** The tabs, in order, for a peer of this role: a control peer's dashboard comes first. */
export const tabsFor = (role: StatusResponse['role'] | undefined): readonly ViewTab[] =>
  role === 'control' ? ['dashboard', ...VIEW_TABS] : VIEW_TABS

/** Feedback on something the user did (a cancel, a hand-back), shown until replaced or dismissed. */
export interface Notice { kind: 'info' | 'error', text: string }

export interface AppData {
  link: LinkState
  status: Resource<StatusResponse>
  lending: Resource<LendingView>
  history: readonly LendSample[]
  tasks: Resource<TaskMap>
  heldSince: HeldSince
  peers: Resource<PeerView[]>
  config: Resource<PeerConfigView>
  tab: ViewTab
  selectedTaskId: string | null
  /** The selected task's log; only that one is fetched and followed. */
  log: TaskLog | null
  /** Why the selected task is not placed (while it is queued). */
  why: Resource<WhyResponse>
  /** Downloads of outputs by task id, shown in the task's panel. */
  outputs: OutputsDownloads
  /** Inputs fetched here for tasks this computer runs, shown in "Tasks running here". */
  inputs: InputFetches
  notice: Notice | null
}

export const initialData = (link: LinkState): AppData => ({
  link,
  status: emptyResource(),
  lending: emptyResource(),
  history: [],
  tasks: emptyResource(),
  heldSince: {},
  peers: emptyResource(),
  config: emptyResource(),
  tab: 'lending',
  selectedTaskId: null,
  log: null,
  why: emptyResource(),
  outputs: {},
  inputs: {},
  notice: null
})
