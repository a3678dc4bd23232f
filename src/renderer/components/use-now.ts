// The current time, re-read every `intervalMs`, for durations that tick while on screen.
import { useEffect, useState } from 'react'

export function useNow (intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => { setNow(Date.now()) }, intervalMs)
    return () => { clearInterval(timer) }
  }, [intervalMs])
  return now
}
