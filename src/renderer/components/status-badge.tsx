// A task's status in words, coloured as a second cue only.
import type { TaskStatus } from '../../shared/schemas.js'

export function StatusBadge ({ status }: { status: TaskStatus }): React.JSX.Element {
  return <span className={`badge status-${status}`}>{status}</span>
}
