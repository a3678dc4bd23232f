// Tasks the control peer never heard of. It learns tasks by gossip, and a member's index is read
// only when that member arrives; a control peer that misses the gossip of a task (it joined a
// moment before the task was posted and ran, before the others knew it subscribed) would never
// hear of it again once the task finished. Each member's own index lists its open and its recent
// tasks, so every reconcile pass reads the indexes and hands the unknown ids to the mirror.
import { nodeTasksKey, type NodeTasks } from '../../shared/index.js'
import { Slots } from '../peer/slots.js'

/** Index reads at once: one DHT read per member each pass. */
const CONCURRENCY = 8

export interface IndexedTasksSource {
  /** Task ids this peer already knows (its task book). */
  known: () => Promise<string[]>
  /** Peer ids of the members to ask. */
  members: () => Promise<string[]>
  /** A member's task index, or undefined when no replica has it. */
  index: (key: string) => Promise<NodeTasks | undefined>
}

/** Ids in the members' indexes (open and recent) that are not known here. */
export async function unheardIndexedTasks (c: IndexedTasksSource): Promise<string[]> {
  const [known, members] = await Promise.all([c.known().then(ids => new Set(ids)), c.members()])
  const found = new Set<string>()
  const slots = new Slots(CONCURRENCY)
  await Promise.all(members.map(async member => {
    const release = await slots.acquire()
    try {
      const index = await c.index(nodeTasksKey(member)).catch(() => undefined)
      for (const id of [...index?.open ?? [], ...index?.recent ?? []]) if (!known.has(id)) found.add(id)
    } finally {
      release()
    }
  }))
  return [...found]
}
