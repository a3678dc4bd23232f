import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { withCompanions, writeResults } from './results.js'

describe('writeResults', () => {
  let dir: string | undefined
  afterEach(async () => { if (dir !== undefined) await rm(dir, { recursive: true, force: true }) })

  it('writes the JSON, a companion chart with the same base name, and no database password', async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcloud-results-'))
    const summary = withCompanions({ experiment: 'spof', agreementMs: 1200 }, [{ ext: 'svg', content: '<svg xmlns="http://www.w3.org/2000/svg"></svg>\n' }])
    const path = await writeResults('spof', ['--db', 'postgres://admin:s3cret@db.example:5432/mcloud'], new Date('2026-01-02T03:04:05.678Z'), [summary], dir)

    expect(path).toBe(join(dir, 'spof-2026-01-02T03-04-05.678Z.json'))
    expect((await readdir(dir)).sort()).toEqual(['spof-2026-01-02T03-04-05.678Z.json', 'spof-2026-01-02T03-04-05.678Z.svg'])
    const text = await readFile(path, 'utf8')
    expect(text).not.toContain('s3cret')
    const body = JSON.parse(text)
    expect(body.command).toBe('npm run bench -- spof --db postgres://admin:***@db.example:5432/mcloud')
    // The chart is not part of the summary.
    expect(body.results).toEqual([{ experiment: 'spof', agreementMs: 1200 }])
    expect(await readFile(path.replace(/\.json$/, '.svg'), 'utf8')).toContain('<svg')
  })
})
