// The web client's access token: given once in the URL by `mcloud ui-url`, then kept for this tab
// only (sessionStorage) and removed from the address bar, so it does not linger in history or
// get shared by copying the URL.
const STORAGE_KEY = 'mcloud.token'

/** The `token` query parameter of a URL's search part, if non-empty. */
export function tokenFromSearch (search: string): string | undefined {
  const token = new URLSearchParams(search).get('token')
  return token === null || token.trim() === '' ? undefined : token.trim()
}

/** The same URL without its `token` parameter (path, other parameters and hash kept). */
export function urlWithoutToken (href: string): string {
  const url = new URL(href)
  url.searchParams.delete('token')
  return url.pathname + url.search + url.hash
}

/** Reads the token from the URL (then hides it) or from this tab's storage. */
export function takeToken (): string | undefined {
  const fromUrl = tokenFromSearch(location.search)
  if (fromUrl !== undefined) {
    try {
      sessionStorage.setItem(STORAGE_KEY, fromUrl)
    } catch {
      // Storage may be disabled; the token then lives only in this page's memory.
    }
    history.replaceState(history.state, '', urlWithoutToken(location.href))
    return fromUrl
  }
  try {
    return sessionStorage.getItem(STORAGE_KEY) ?? undefined
  } catch {
    return undefined
  }
}
