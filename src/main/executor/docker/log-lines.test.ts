import { describe, expect, it } from 'vitest'
import { LogLineWriter } from './log-lines.js'

async function linesOf (chunks: string[], maxBytes?: number): Promise<string[]> {
  const lines: string[] = []
  const w = new LogLineWriter(line => { lines.push(line) }, maxBytes)
  for (const c of chunks) w.write(Buffer.from(c))
  await new Promise<void>(resolve => { w.end(() => { resolve() }) })
  return lines
}

describe('LogLineWriter', () => {
  it('joins lines split across chunks, drops CR before LF and flushes the last partial line', async () => {
    expect(await linesOf(['al', 'pha\nbe', 'ta\r\n', '\ngam', 'ma'])).toEqual(['alpha', 'beta', '', 'gamma'])
  })

  it('cuts a long line at the bound with a marker and resumes at the next line', async () => {
    const lines = await linesOf(['x'.repeat(6), 'y'.repeat(20), 'z\nnext\n'], 10)
    expect(lines).toEqual(['xxxxxxyyyy …[line cut at 8 KiB]', 'next'])
  })

  it('treats whole lines inside one chunk like split ones: bound, cut, CR and UTF-8 split across chunks', async () => {
    const chunk = `${'a'.repeat(10)}\n${'b'.repeat(11)}\nc\r\n\nd€`
    expect(await linesOf([chunk, '€\n'], 10)).toEqual(['a'.repeat(10), 'bbbbbbbbbb …[line cut at 8 KiB]', 'c', '', 'd€€'])
    const euro = Buffer.from('€')
    const lines: string[] = []
    const w = new LogLineWriter(line => { lines.push(line) })
    w.write(Buffer.concat([Buffer.from('x\ny'), euro.subarray(0, 1)]))
    w.write(Buffer.concat([euro.subarray(1), Buffer.from('\n')]))
    await new Promise<void>(resolve => { w.end(() => { resolve() }) })
    expect(lines).toEqual(['x', 'y€'])
  })
})
