// The window's lock-down rules as pure functions (security.ts and ipc.ts apply them), so each is
// unit-tested without the Electron binary.

/**
 * The one permission the UI needs: "Copy" of the organisation key uses navigator.clipboard.
 * Everything else (camera, notifications from the page, geolocation…) is refused.
 */
export const permissionAllowed = (permission: string): boolean => permission === 'clipboard-sanitized-write'

/** Only https links leave the app, and only to the default browser. */
export function isExternalLink (url: string): boolean {
  try { return new URL(url).protocol === 'https:' } catch { return false }
}

/** Windows and macOS file systems ignore case: one folder may be spelled two ways in file: URLs. */
export const CASE_INSENSITIVE_FS = process.platform === 'win32' || process.platform === 'darwin'

const withoutQuery = (url: string): string => url.split(/[?#]/)[0] ?? url
/** decodeURI that never throws: a malformed escape is compared as written (and so not matched). */
const decode = (url: string): string => { try { return decodeURI(url) } catch { return url } }

/**
 * What the window may load: files of the UI's own folder, and Chromium's internal schemes
 * (data:, blob:, devtools:). Not the network — the page reaches the peer through the preload
 * only — and not other local files (an injected script must not read the disk).
 * `caseInsensitive`: Windows and macOS file systems, where C:\App and c:\app are one folder.
 */
export function requestAllowed (url: string, uiDirUrl: string, caseInsensitive = false): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  if (scheme === 'http' || scheme === 'https' || scheme === 'ws' || scheme === 'wss') return false
  if (scheme !== 'file') return true
  const fold = (s: string): string => caseInsensitive ? decode(s).toLowerCase() : decode(s)
  const dir = uiDirUrl.endsWith('/') ? uiDirUrl : `${uiDirUrl}/`
  return fold(withoutQuery(url)).startsWith(fold(dir))
}

/** Whether an IPC call comes from the UI page itself (its URL, any query or hash). */
export function isUiPage (frameUrl: string, uiUrl: string, caseInsensitive = false): boolean {
  const fold = (s: string): string => caseInsensitive ? decode(s).toLowerCase() : decode(s)
  return fold(withoutQuery(frameUrl)) === fold(uiUrl)
}
