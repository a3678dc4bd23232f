// The tray icon and its menu, drawn from trayMenuModel and kept current from the peer's events.
import { join } from 'node:path'
import { Menu, nativeImage, Tray, type MenuItemConstructorOptions, type NativeImage } from 'electron'
import type { ApiEvent } from '../../shared/index.js'
import type { Peer } from '../peer/index.js'
import { trayMenuModel, type MenuItemModel, type TrayAction, type TrayIcon, type TrayState } from './tray-menu.js'

export interface AppTrayInit {
  /** resources/tray: <icon>.png and <icon>@2x.png (Electron picks the @2x file on HiDPI screens). */
  iconDir: string
  onAction: (action: TrayAction) => void
}

export class AppTray {
  private readonly tray: Tray
  private readonly images = new Map<TrayIcon, NativeImage>()
  private shown = ''

  constructor (private readonly init: AppTrayInit) {
    this.tray = new Tray(this.image('idle'))
    // Windows opens a tray app's window on a left click; macOS and Linux show the menu instead.
    if (process.platform === 'win32') this.tray.on('click', () => { init.onAction({ type: 'open' }) })
  }

  render (state: TrayState): void {
    const model = trayMenuModel(state)
    // Linux trays flicker when the menu is replaced: only a change is drawn.
    const key = JSON.stringify(model)
    if (key === this.shown) return
    this.shown = key
    this.tray.setImage(this.image(model.icon))
    this.tray.setToolTip(model.tooltip)
    this.tray.setContextMenu(Menu.buildFromTemplate(model.items.map(item => this.menuItem(item))))
  }

  destroy (): void { this.tray.destroy() }

  private menuItem (item: MenuItemModel): MenuItemConstructorOptions {
    const click = (): void => { if ('action' in item) this.init.onAction(item.action) }
    switch (item.kind) {
      case 'status': return { label: item.label, enabled: false }
      case 'separator': return { type: 'separator' }
      case 'radio': return { label: item.label, type: 'radio', checked: item.checked, click }
      case 'action': return { label: item.label, click }
    }
  }

  private image (icon: TrayIcon): NativeImage {
    let image = this.images.get(icon)
    if (image === undefined) {
      image = nativeImage.createFromPath(join(this.init.iconDir, `${icon}.png`))
      this.images.set(icon, image)
    }
    return image
  }
}

const REFRESH_EVENTS = new Set<ApiEvent['type']>(['sharing:changed', 'task:state'])
/** The snooze countdown counts minutes: redrawing twice a minute keeps it right. */
const CLOCK_MS = 30_000

/** Keeps the tray in step with the peer; returns the function that stops it. */
export function followPeer (tray: AppTray, peer: Peer): () => void {
  const render = async (): Promise<void> => {
    const status = await peer.status()
    tray.render({
      lending: peer.lending.view(),
      running: peer.scheduler.runningCount,
      now: Date.now(),
      problem: status.executor.includes('unavailable') ? 'Docker is not available: this computer cannot lend' : null
    })
  }
  const refresh = (): void => { void render().catch((err: unknown) => { console.error('mcloud: tray refresh failed:', err) }) }
  // Events come in bursts (a claim changes sharing and a task at once): one redraw per burst.
  let pending: ReturnType<typeof setTimeout> | undefined
  const off = peer.subscribe(event => {
    if (!REFRESH_EVENTS.has(event.type) || pending !== undefined) return
    pending = setTimeout(() => { pending = undefined; refresh() }, 100)
  })
  const clock = setInterval(refresh, CLOCK_MS)
  refresh()
  return () => { off(); clearInterval(clock); clearTimeout(pending) }
}
