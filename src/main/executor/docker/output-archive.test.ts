// The /output archive is the task's work: what it may and may not write on the provider's disk.
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pack, type Header } from 'tar-stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { extractOutputArchive, OutputArchiveError, OutputTooLargeError } from './output-archive.js'

type Entry = Partial<Header> & { name: string, body?: string | Buffer }

/** A tar built in memory, as the engine would stream it. */
function tar (entries: Entry[]): Readable {
  const p = pack()
  for (const { body, ...header } of entries) {
    if (body === undefined) p.entry({ type: 'directory', ...header })
    else p.entry({ type: 'file', ...header }, body)
  }
  p.finalize()
  return Readable.from(p as unknown as AsyncIterable<Buffer>)
}

/** Every path under `dir`, folders with a trailing /. */
async function tree (dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true })
  return names.map(d => path.relative(dir, path.join(d.parentPath, d.name)) + (d.isDirectory() ? '/' : '')).sort()
}

let work: string
let dir: string
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'mc-output-archive-'))
  dir = path.join(work, 'output')
  await mkdir(dir)
})
afterEach(async () => { await rm(work, { recursive: true, force: true }) })

describe('extracting a task\'s /output', () => {
  it('writes files and folders below the folder, without the leading output/', async () => {
    const r = await extractOutputArchive(tar([
      { name: 'output/' }, { name: 'output/a.txt', body: 'hello' }, { name: 'output/d/' },
      { name: 'output/d/b.bin', body: Buffer.alloc(1000, 7), mode: 0o755 }, { name: 'output/e/f/g.txt', body: '' }
    ]), dir, { maxBytes: 10_000 })
    expect(r).toEqual({ bytes: 1005, files: 3, skipped: [] })
    expect(await tree(dir)).toEqual(['a.txt', 'd/', 'd/b.bin', 'e/', 'e/f/', 'e/f/g.txt'])
    expect(await readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('hello')
    expect((await stat(path.join(dir, 'd/b.bin'))).mode & 0o777).toBe(0o755)
    expect((await stat(path.join(dir, 'a.txt'))).mode & 0o777).toBe(0o644)
  })

  it('an empty /output gives an empty folder', async () => {
    expect(await extractOutputArchive(tar([{ name: 'output/' }]), dir, { maxBytes: 0 })).toEqual({ bytes: 0, files: 0, skipped: [] })
    expect(await tree(dir)).toEqual([])
  })

  it('leaves out symlinks, hard links, devices and fifos, naming them', async () => {
    const r = await extractOutputArchive(tar([
      { name: 'output/' }, { name: 'output/ok', body: 'x' },
      { name: 'output/passwd', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'output/up', type: 'symlink', linkname: '../../..' },
      { name: 'output/hard', type: 'link', linkname: 'output/ok' },
      { name: 'output/null', type: 'character-device', devmajor: 1, devminor: 3 },
      { name: 'output/pipe', type: 'fifo' },
      // a file written "through" the symlink just left out must not land outside
      { name: 'output/up/escaped', body: 'x' }
    ]), dir, { maxBytes: 100 })
    expect(r.skipped).toEqual(['passwd', 'up', 'hard', 'null', 'pipe'])
    expect(await tree(dir)).toEqual(['ok', 'up/', 'up/escaped'])
    await expect(stat(path.join(work, '..', 'escaped'))).rejects.toThrow()
  })

  it('refuses names that climb out, are absolute or are outside output/', async () => {
    for (const name of ['output/../../evil', 'output/d/../../evil', '/etc/evil', 'elsewhere/evil']) {
      await expect(extractOutputArchive(tar([{ name: 'output/' }, { name, body: 'x' }]), dir, { maxBytes: 100 }), name)
        .rejects.toBeInstanceOf(OutputArchiveError)
    }
    expect(await readdir(work)).toEqual(['output'])
  })

  it('refuses a name given twice instead of overwriting it', async () => {
    await expect(extractOutputArchive(tar([{ name: 'output/a', body: 'one' }, { name: 'output/a', body: 'two' }]), dir, { maxBytes: 100 }))
      .rejects.toThrow(/output holds a name twice/)
    expect(await readFile(path.join(dir, 'a'), 'utf8')).toBe('one')
  })

  it('stops before writing past the cap, with the limit in MiB', async () => {
    const mib = 2 ** 20
    const big = tar([{ name: 'output/' }, { name: 'output/a', body: Buffer.alloc(mib) }, { name: 'output/b', body: Buffer.alloc(mib) }])
    const err = await extractOutputArchive(big, dir, { maxBytes: 1.5 * mib }).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(OutputTooLargeError)
    expect((err as Error).message).toBe('output larger than 1.5 MiB (the provider\'s limit)')
    // the first file fitted; the second was never started
    expect(await tree(dir)).toEqual(['a'])
    // exactly the cap is still fine
    await rm(dir, { recursive: true })
    await mkdir(dir)
    expect((await extractOutputArchive(tar([{ name: 'output/a', body: Buffer.alloc(mib) }]), dir, { maxBytes: mib })).bytes).toBe(mib)
  })

  it('rejects a broken archive', async () => {
    await expect(extractOutputArchive(Readable.from([Buffer.alloc(700, 1)]), dir, { maxBytes: 100 })).rejects.toThrow()
  })
})
