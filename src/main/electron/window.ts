// The one main window: created on demand, destroyed when closed (a renderer costs ~100 MB that a
// lender in the tray should not hold), shown again from the tray or a second launch.
import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { BrowserWindow, dialog, Menu, type WebContents } from 'electron'

export interface MainWindowInit {
  /** dist/ui/index.html, built by `npm run build:ui`. */
  indexHtml: string
  /** The bundled preload (CommonJS, see scripts/build-electron.mjs). */
  preload: string
  /** Window icon (Linux, Windows). */
  icon: string
  /** The window was closed (the app keeps running in the tray). */
  onClosed?: () => void
  /** Windows is ending the session (log-off, shutdown): powerMonitor has no 'shutdown' there. */
  onSessionEnd?: () => void
}

export class MainWindow {
  private window: BrowserWindow | undefined
  /** The page's URL: IPC answers only frames showing it. */
  readonly uiUrl: string

  constructor (private readonly init: MainWindowInit) {
    this.uiUrl = pathToFileURL(init.indexHtml).href
  }

  /** The page's web contents while a window exists. */
  contents (): WebContents | undefined {
    return this.window === undefined || this.window.isDestroyed() ? undefined : this.window.webContents
  }

  isFocused (): boolean {
    return this.window !== undefined && !this.window.isDestroyed() && this.window.isVisible() && this.window.isFocused()
  }

  show (): void {
    // A new window shows itself once painted (no white flash); an existing one comes forward.
    if (this.window === undefined || this.window.isDestroyed()) { this.create(); return }
    if (this.window.isMinimized()) this.window.restore()
    this.window.show()
    this.window.focus()
  }

  private create (): BrowserWindow {
    const win = new BrowserWindow({
      title: 'Mutual Cloud',
      width: 1100,
      height: 760,
      minWidth: 720,
      minHeight: 480,
      show: false,
      icon: this.init.icon,
      autoHideMenuBar: true,
      webPreferences: {
        preload: this.init.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        // the spellchecker downloads dictionaries; the UI has no prose to check
        spellcheck: false
      }
    })
    this.window = win
    win.on('closed', () => {
      if (this.window === win) this.window = undefined
      this.init.onClosed?.()
    })
    win.on('session-end', () => { this.init.onSessionEnd?.() })
    win.once('ready-to-show', () => { win.show(); win.focus() })
    if (!existsSync(this.init.indexHtml)) {
      win.show()
      dialog.showErrorBox('Mutual Cloud', `The user interface is not built (${this.init.indexHtml} is missing): run npm run build:ui. The peer keeps running in the tray.`)
    } else {
      win.loadFile(this.init.indexHtml).catch((err: unknown) => { console.error('mcloud: cannot load the UI:', err) })
    }
    return win
  }
}

/** A short menu: the standard roles, without the default Help links to electronjs.org. */
export function installAppMenu (): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate([
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' }
  ]))
}
