import { describe, expect, it } from 'vitest'
import { isExternalLink, isUiPage, permissionAllowed, requestAllowed } from './policy.js'

const UI_DIR = 'file:///opt/Mutual%20Cloud/resources/app.asar/dist/ui/'
const UI = `${UI_DIR}index.html`

describe('window policy', () => {
  it('loads the UI\'s own files and nothing from the network or elsewhere on disk', () => {
    expect(requestAllowed(UI, UI_DIR)).toBe(true)
    expect(requestAllowed(`${UI_DIR}app.js`, UI_DIR)).toBe(true)
    expect(requestAllowed('data:image/png;base64,AAAA', UI_DIR)).toBe(true)
    expect(requestAllowed('devtools://devtools/bundled/inspector.html', UI_DIR)).toBe(true)
    expect(requestAllowed('https://example.com/x.js', UI_DIR)).toBe(false)
    expect(requestAllowed('HTTP://127.0.0.1:8080/api/status', UI_DIR)).toBe(false)
    expect(requestAllowed('ws://127.0.0.1:8080/api/events', UI_DIR)).toBe(false)
    expect(requestAllowed('file:///etc/passwd', UI_DIR)).toBe(false)
    // a sibling folder whose name starts like the UI's
    expect(requestAllowed('file:///opt/Mutual%20Cloud/resources/app.asar/dist/ui-old/app.js', UI_DIR)).toBe(false)
    expect(requestAllowed('file:///C:/App/dist/ui/app.js', 'file:///c:/app/dist/ui', true)).toBe(true)
    expect(requestAllowed('file:///C:/App/dist/ui/app.js', 'file:///c:/app/dist/ui', false)).toBe(false)
    expect(requestAllowed('file:///etc/%E0%A4%A', UI_DIR)).toBe(false)
  })

  it('answers IPC only to the UI page', () => {
    expect(isUiPage(UI, UI)).toBe(true)
    expect(isUiPage(`${UI}#/borrowing`, UI)).toBe(true)
    expect(isUiPage('file:///opt/Mutual Cloud/resources/app.asar/dist/ui/index.html', UI)).toBe(true)
    expect(isUiPage('file:///tmp/evil.html', UI)).toBe(false)
    expect(isUiPage('https://example.com/', UI)).toBe(false)
    expect(isUiPage('file:///C:/APP/index.html', 'file:///c:/app/index.html', true)).toBe(true)
  })

  it('allows only the clipboard write permission and https links', () => {
    expect(permissionAllowed('clipboard-sanitized-write')).toBe(true)
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) expect(permissionAllowed(p)).toBe(false)
    expect(isExternalLink('https://example.com/docs')).toBe(true)
    for (const u of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url']) expect(isExternalLink(u)).toBe(false)
  })
})
