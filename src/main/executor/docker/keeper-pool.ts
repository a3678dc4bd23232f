// Output keepers made ahead of time. Creating and starting a keeper costs two engine calls
// (~0.2–0.5 s on a busy machine) on every task's way to its slot, before the task's own container
// can start (bench throughput: ratio 1.38 without keepers, 1.59 with). A spare is an empty,
// started keeper waiting for the next task: taking one costs an inspect. After each take another
// is made in the background once the task has started, so the pool grows to what runs at once (at most `max`). Spares are
// removed after `idleMs` without a take, and at stop, so an idle desktop runs none.
import type Dockerode from 'dockerode'
import { ensureKeeperImage, keeperOptions, SPARE_KEEPER } from './output-keeper.js'
import { outputMount, runLabels } from './sandbox.js'

export interface KeeperPoolInit {
  /** Creates and starts a keeper labelled as a spare. */
  make: () => Promise<Dockerode.Container>
  /** Removes a keeper and its volume; never rejects. */
  remove: (c: Dockerode.Container) => Promise<void>
  /** Whether a spare is still running (a spare someone removed or that died is not handed out). */
  alive: (c: Dockerode.Container) => Promise<boolean>
  /** Most spares kept at once. Default 4. */
  max?: number
  /** A spare not taken for this long is removed. Default 60 s. */
  idleMs?: number
}

export class KeeperPool {
  private readonly spares: Dockerode.Container[] = []
  private making = 0
  private stopped = false
  private idleTimer: ReturnType<typeof setTimeout> | undefined
  private readonly max: number
  private readonly idleMs: number
  /** Takes served by a spare, and takes that had to make their keeper (for the bench and tests). */
  hits = 0
  misses = 0

  constructor (private readonly c: KeeperPoolInit) {
    this.max = c.max ?? 4
    this.idleMs = c.idleMs ?? 60_000
  }

  /** Ids of the spares, so orphan clean-up leaves them alone. */
  get spareIds (): string[] { return this.spares.map(s => s.id) }

  /**
   * A started keeper: a spare if one is alive, else a new one. The caller calls `replenish` once
   * its task's container has started: a spare made meanwhile would compete with that start on the
   * engine (measured: the task's start 100–130 ms alone, 140–200 ms beside a spare's create and start).
   */
  async take (): Promise<Dockerode.Container> {
    this.touch()
    while (this.spares.length > 0) {
      const spare = this.spares.shift()!
      if (await this.c.alive(spare)) { this.hits++; return spare }
      void this.c.remove(spare)
    }
    this.misses++
    return await this.c.make()
  }

  /** Makes a spare for the next take, unless `max` are ready or being made. */
  replenish (): void {
    if (this.stopped || this.idleTimer === undefined || this.spares.length + this.making >= this.max) return
    this.making++
    this.c.make().then(async spare => {
      this.making--
      // stopped (or idle) while it was made: not kept
      if (this.stopped || this.idleTimer === undefined) await this.c.remove(spare)
      else this.spares.push(spare)
    }, () => { this.making-- })
  }

  /** Removes every spare; later takes make their keepers as before the pool existed. */
  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.idleTimer)
    await Promise.all(this.spares.splice(0).map(async s => { await this.c.remove(s) }))
  }

  /** Restarts the idle clock: spares outlive the last take by idleMs. */
  private touch (): void {
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      for (const s of this.spares.splice(0)) void this.c.remove(s)
    }, this.idleMs)
    this.idleTimer.unref?.()
  }
}

/** The pool of a Docker executor: keepers labelled as spares of `owner` (the orphan clean-up after a crash finds them). */
export function dockerKeeperPool (docker: Dockerode, owner: string | undefined, bounded: () => { abortSignal: AbortSignal }): KeeperPool {
  const labels = runLabels({ taskId: SPARE_KEEPER, epoch: 0 }, { owner })
  // imported once per pool, on the first keeper; a failed import is tried again by the next
  let image: Promise<string> | undefined
  return new KeeperPool({
    make: async () => {
      image ??= ensureKeeperImage(docker, bounded).catch((err: unknown) => { image = undefined; throw err })
      const c = await docker.createContainer({ ...keeperOptions(await image, labels, outputMount(labels)), ...bounded() })
      try {
        await c.start(bounded())
      } catch (err) {
        await c.remove({ force: true, v: true, ...bounded() }).catch(() => {})
        throw err
      }
      return c
    },
    remove: async c => { await c.remove({ force: true, v: true, ...bounded() }).catch(() => {}) },
    alive: async c => await c.inspect(bounded()).then(i => i.State.Running, () => false)
  })
}
