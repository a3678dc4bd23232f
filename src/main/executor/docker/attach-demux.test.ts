import { PassThrough, Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { demuxAttach } from './attach-demux.js'

function frame (type: number, text: string): Buffer {
  const payload = Buffer.from(text)
  const header = Buffer.alloc(8)
  header[0] = type
  header.writeUInt32BE(payload.length, 4)
  return Buffer.concat([header, payload])
}

function sink (): { stream: Writable, text: () => string } {
  const parts: Buffer[] = []
  const stream = new Writable({ write (chunk: Buffer, _enc, cb) { parts.push(Buffer.from(chunk)); cb() } })
  return { stream, text: () => Buffer.concat(parts).toString('utf8') }
}

describe('demuxAttach', () => {
  it('routes frames to stdout and stderr however the bytes are split into chunks', () => {
    const all = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err\n'), frame(1, ''), frame(1, 'out two €\n'), frame(2, 'tail')])
    for (const size of [1, 3, 8, 9, 13, all.length]) {
      const source = new PassThrough()
      const out = sink()
      const err = sink()
      demuxAttach(source, out.stream, err.stream)
      for (let i = 0; i < all.length; i += size) source.write(all.subarray(i, i + size))
      expect(out.text()).toBe('out one\nout two €\n')
      expect(err.text()).toBe('err\ntail')
    }
  })
})
