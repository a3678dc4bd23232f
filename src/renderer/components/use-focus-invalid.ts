// After a failed submit, moves focus to the first invalid control so keyboard users land on it.
import { useEffect, useRef, useState } from 'react'

export function useFocusFirstInvalid (): { formRef: React.RefObject<HTMLFormElement | null>, focusInvalid: () => void } {
  const formRef = useRef<HTMLFormElement>(null)
  const [request, setRequest] = useState(0)
  useEffect(() => {
    if (request === 0) return
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus()
  }, [request])
  return { formRef, focusInvalid: () => { setRequest((n) => n + 1) } }
}
