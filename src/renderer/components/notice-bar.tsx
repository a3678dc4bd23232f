// Feedback on the last action (cancelled, handed back, or why it failed), in a polite live region.
// Confirmations fade after a few seconds; failures stay until dismissed, so none goes unread.
import { useEffect } from 'react'
import { appActions, useApp } from '../store/use-app.js'

const INFO_VISIBLE_MS = 6000

export function NoticeBar (): React.JSX.Element {
  const notice = useApp((s) => s.notice)
  useEffect(() => {
    if (notice?.kind !== 'info') return
    const timer = setTimeout(() => { appActions().dismissNotice() }, INFO_VISIBLE_MS)
    return () => { clearTimeout(timer) }
  }, [notice])
  return (
    <div role='status' className={notice === null ? 'notice-empty' : `notice notice-${notice.kind}`}>
      {notice !== null && (
        <>
          <span>{notice.text}</span>
          <button type='button' className='btn btn-small btn-quiet' onClick={() => { appActions().dismissNotice() }}>Dismiss</button>
        </>
      )}
    </div>
  )
}
