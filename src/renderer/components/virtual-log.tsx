// A task's log, virtualised: rows have one fixed height and only the visible slice (plus a few
// rows of overscan) is in the DOM, so 100,000 lines scroll as smoothly as 100. While scrolled to
// the bottom it follows new lines; scrolling up stops following until the user comes back down.
import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import type { LogLine } from '../../shared/api.js'
import { logLine, type TaskLog } from '../store/logs.js'
import { isAtBottom, rowWindow } from './virtual-window.js'

const ROW_HEIGHT = 20
const OVERSCAN = 20
// A short log takes only the room it needs; a long one scrolls inside this height.
const MAX_HEIGHT = 360
const MIN_ROWS = 4

const STREAM_MARK: Record<LogLine['stream'], string> = { stdout: '', stderr: 'err', system: 'sys' }

export function VirtualLog ({ log }: { log: TaskLog }): React.JSX.Element {
  const { count, dropped } = log
  const ref = useRef<HTMLDivElement>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [viewport, setViewport] = useState(400)
  const [following, setFollowing] = useState(true)

  useLayoutEffect(() => {
    const el = ref.current
    if (el === null) return
    setViewport(el.clientHeight)
    const observer = new ResizeObserver(() => { setViewport(el.clientHeight) })
    observer.observe(el)
    return () => { observer.disconnect() }
  }, [])

  // New lines while following: jump to the end before the browser paints.
  useLayoutEffect(() => {
    const el = ref.current
    if (el === null || !following) return
    el.scrollTop = el.scrollHeight
    setScrollTop(el.scrollTop)
  }, [log, following, viewport])

  // A different task's log starts at its end again.
  useEffect(() => { setFollowing(true) }, [log.taskId])

  const onScroll = (): void => {
    const el = ref.current
    if (el === null) return
    setScrollTop(el.scrollTop)
    setFollowing(isAtBottom(el.scrollTop, el.clientHeight, el.scrollHeight, ROW_HEIGHT / 2))
  }

  const win = rowWindow({ scrollTop, viewportHeight: viewport, rowHeight: ROW_HEIGHT, count, overscan: OVERSCAN })
  const rows: React.JSX.Element[] = []
  for (let i = win.start; i < win.end; i++) {
    const l = logLine(log, i)
    if (l === undefined) break
    rows.push(
      <div key={i} className={`log-row log-${l.stream}`}>
        <span className='log-no' aria-hidden='true'>{dropped + i + 1}</span>
        <span className='log-mark'>{STREAM_MARK[l.stream]}</span>
        <span className='log-text'>{l.line}</span>
      </div>
    )
  }

  return (
    <div className='log-frame'>
      {dropped > 0 && <p className='muted log-note'>{dropped.toLocaleString()} earlier lines dropped (only the last 100,000 are kept)</p>}
      <div
        ref={ref}
        role='log'
        aria-label='Task log'
        // Announcing lines only while following: scrolling back re-renders rows that are not new.
        aria-live={following ? 'polite' : 'off'}
        tabIndex={0}
        className='log'
        onScroll={onScroll}
        style={{ '--row': `${ROW_HEIGHT}px`, height: Math.min(MAX_HEIGHT, Math.max(MIN_ROWS, count) * ROW_HEIGHT + 16) } as React.CSSProperties}
      >
        {count === 0
          ? <p className='muted log-empty'>No output yet</p>
          : (
            <div className='log-spacer' style={{ height: win.totalHeight }}>
              <div className='log-rows' style={{ transform: `translateY(${win.offset}px)` }}>{rows}</div>
            </div>
            )}
      </div>
      {!following && count > 0 && (
        <button
          type='button'
          className='btn btn-small log-jump'
          onClick={() => { setFollowing(true) }}
        >
          Follow new lines
        </button>
      )}
    </div>
  )
}
