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
})
