// Locks the window down: it shows our own files and talks to the peer over IPC, nothing else
// (Electron's security checklist: no navigation, no new windows, no permissions, no network).
import { app, shell, type Session } from 'electron'
// The same policy as the page's meta tag and the web mode's header, so the two cannot drift.
import { UI_CSP } from '../api/index.js'
import { CASE_INSENSITIVE_FS, isExternalLink, permissionAllowed, requestAllowed } from './policy.js'

/** `uiDirUrl`: the file: URL of dist/ui, the only folder the window may read. */
export function hardenSession (session: Session, uiDirUrl: string): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => { callback(permissionAllowed(permission)) })
  session.setPermissionCheckHandler((_contents, permission) => permissionAllowed(permission))
  session.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !requestAllowed(details.url, uiDirUrl, CASE_INSENSITIVE_FS) })
  })
  // Header and meta tag together: frame-ancestors only works as a header.
  session.webRequest.onHeadersReceived((details, callback) => {
    if (details.resourceType !== 'mainFrame' || !details.url.startsWith('file:')) { callback({}); return }
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [UI_CSP] } })
  })
}

/** Applied to every web contents the app ever creates, so a later window cannot forget it. */
export function hardenAllContents (): void {
  app.on('web-contents-created', (_event, contents) => {
    // loadFile() does not raise will-navigate; a link or script trying to leave the UI does.
    contents.on('will-navigate', (event) => { event.preventDefault() })
    contents.on('will-redirect', (event) => { event.preventDefault() })
    contents.on('will-attach-webview', (event) => { event.preventDefault() })
    contents.setWindowOpenHandler(({ url }) => {
      if (isExternalLink(url)) void shell.openExternal(url)
      return { action: 'deny' }
    })
  })
}
