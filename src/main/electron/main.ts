// The desktop app's entry: one peer per computer in Electron's main process, its window, tray,
// IPC and power hooks. The only folder that imports 'electron'; everything else is the core.
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { app, dialog, powerMonitor, session } from 'electron'
import { dockerExecutorFor } from '../executor/docker/from-saved.js'
import { createPeer, DataDirLockedError, defaultDataDir, type Peer } from '../peer/index.js'
import { EventForwarder, registerApiHandlers } from './ipc.js'
import { notifyMyTasks, tellStillRunning } from './notifications.js'
import { sessionEnding, watchPowerAndQuit } from './power.js'
import { hardenAllContents, hardenSession } from './security.js'
import { sharingUpdateFor, type TrayAction } from './tray-menu.js'
import { AppTray, followPeer } from './tray.js'
import { installAppMenu, MainWindow } from './window.js'

// Same data dir as the CLI (MCLOUD_DATA_DIR, else ~/.mutual-cloud): `mcloud ps` and friends find
// the desktop peer through its api.json, and the data dir lock keeps one peer per identity.
const dataDir = defaultDataDir()
// The name menus and notifications show (package.json's name is the npm-style mutual-cloud).
app.setName('Mutual Cloud')
// Windows shows notifications only for an app id; electron-builder.yml's appId, so dev and installed agree.
if (process.platform === 'win32') app.setAppUserModelId('org.mutualcloud.desktop')
// A separate data dir is a separate peer: give it its own Chromium profile and instance lock, so
// tests and a second peer on one machine do not collide with the owner's app.
if (process.env.MCLOUD_DATA_DIR !== undefined) app.setPath('userData', join(dataDir, 'electron'))
app.enableSandbox()

if (!app.requestSingleInstanceLock()) {
  // Another instance owns this profile; it shows its window (second-instance below).
  app.quit()
} else {
  void run().catch((err: unknown) => {
    dialog.showErrorBox('Mutual Cloud failed', err instanceof Error ? err.message : String(err))
    app.exit(1)
  })
}

async function startPeer (): Promise<Peer> {
  const executor = await dockerExecutorFor(dataDir)
  return await createPeer({
    dataDir,
    executor,
    // "Idle only" lends while the owner is away from keyboard and mouse, not only while the CPU is quiet.
    idleSource: () => powerMonitor.getSystemIdleTime(),
    // The local API stays on for the CLI (`mcloud ps`, `mcloud ui-url`) on a free port.
    apiPort: 0
  })
}

async function run (): Promise<void> {
  const appRoot = app.getAppPath()
  hardenAllContents()
  await app.whenReady()
  const uiDir = join(appRoot, 'dist', 'ui')
  hardenSession(session.defaultSession, pathToFileURL(uiDir).href)
  installAppMenu()

  const peer = startPeer()
  // Windows close while quitting too: only a close by the owner earns the "still running" notice.
  let quitting = false
  app.on('before-quit', () => { quitting = true })
  const window = new MainWindow({
    indexHtml: join(uiDir, 'index.html'),
    // built next to this file by scripts/build-electron.mjs
    preload: fileURLToPath(new URL('./preload.cjs', import.meta.url)),
    icon: join(appRoot, 'resources', 'icon.png'),
    onClosed: () => { if (!quitting) tellStillRunning(() => { window.show() }) },
    onSessionEnd: () => { sessionEnding(peer) }
  })
  registerApiHandlers(peer, window.uiUrl)
  watchPowerAndQuit({ peer })

  const onTrayAction = (action: TrayAction): void => {
    if (action.type === 'open') { window.show(); return }
    if (action.type === 'quit') { app.quit(); return }
    const update = sharingUpdateFor(action, Date.now())
    if (update !== null) void peer.then(async p => await p.updateSharing(update)).catch((err: unknown) => { console.error('mcloud: sharing change failed:', err) })
  }
  const tray = new AppTray({ iconDir: join(appRoot, 'resources', 'tray'), onAction: onTrayAction })
  tray.render({ lending: null, running: 0, now: Date.now(), problem: null })

  app.on('second-instance', () => { window.show() })
  // macOS: a click on the Dock icon with no window open.
  app.on('activate', () => { window.show() })
  // Closing the window leaves the app lending from the tray; Quit is in the tray and the menu.
  app.on('window-all-closed', () => {})
  // Started at login with --hidden: only the tray until the owner opens the window.
  if (!process.argv.includes('--hidden')) window.show()

  let started: Peer
  try {
    started = await peer
  } catch (err) {
    const message = err instanceof DataDirLockedError
      ? `Another Mutual Cloud peer (this app or \`mcloud agent\`, pid ${err.pid}) is using ${err.dataDir}. Stop it first, or set MCLOUD_DATA_DIR to run a second peer.`
      : err instanceof Error ? err.message : String(err)
    tray.render({ lending: null, running: 0, now: Date.now(), problem: message })
    dialog.showErrorBox('Mutual Cloud could not start', message)
    app.exit(1)
    return
  }
  const forwarder = new EventForwarder(() => window.contents())
  started.subscribe(forwarder.push)
  followPeer(tray, started)
  notifyMyTasks({ subscribe: started.subscribe, quiet: () => window.isFocused(), onClick: () => { window.show() } })
}
