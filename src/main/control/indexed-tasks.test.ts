// The control peer's look into the members' own indexes: only ids it does not know yet, from open
// and recent alike; a member whose index cannot be read is skipped, not fatal.
import { describe, expect, it } from 'vitest'
import { nodeTasksKey, type NodeTasks } from '../../shared/index.js'
import { unheardIndexedTasks } from './indexed-tasks.js'

const id = (c: string): string => c.repeat(64)
const index = (peerId: string, open: string[], recent: string[]): NodeTasks => ({ v: 1, peerId, seq: 1, open, recent } as unknown as NodeTasks)

describe('unheardIndexedTasks', () => {
  it('lists the open and recent tasks of every member that this peer does not know, once each', async () => {
    const indexes = new Map<string, NodeTasks>([
      [nodeTasksKey('alice'), index('alice', [id('a')], [id('b'), id('c')])],
      [nodeTasksKey('bob'), index('bob', [id('c'), id('d')], [])]
    ])
    const asked: string[] = []
    const found = await unheardIndexedTasks({
      known: async () => [id('b')],
      members: async () => ['alice', 'bob', 'carol', 'dave'],
      index: async key => {
        asked.push(key)
        if (key === nodeTasksKey('dave')) throw new Error('no replica answered')
        return indexes.get(key)
      }
    })
    expect(found.sort()).toEqual([id('a'), id('c'), id('d')])
    expect(asked.sort()).toEqual(['alice', 'bob', 'carol', 'dave'].map(nodeTasksKey).sort())
  })

  it('asks nobody when there are no members', async () => {
    expect(await unheardIndexedTasks({ known: async () => [], members: async () => [], index: async () => { throw new Error('not asked') } })).toEqual([])
  })
})
