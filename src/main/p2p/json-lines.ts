// JSON-lines framing over a libp2p stream, shared by the small request protocols (logs, why).
const encoder = new TextEncoder()

/** One value as one line of JSON. */
export const frame = (value: unknown): Uint8Array => encoder.encode(`${JSON.stringify(value)}\n`)

/** Splits a byte stream into lines, refusing a line longer than `maxLine`. */
export async function * jsonLines (source: AsyncIterable<Uint8Array | { subarray: () => Uint8Array }>, maxLine: number): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let buf = ''
  for await (const chunk of source) {
    buf += decoder.decode(chunk instanceof Uint8Array ? chunk : chunk.subarray(), { stream: true })
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      yield buf.slice(0, nl)
      buf = buf.slice(nl + 1)
    }
    if (buf.length > maxLine) throw new Error('stream line too long')
  }
}

/** Sends bytes, waiting for the stream to drain when its buffer is full (backpressure). */
export async function send (stream: any, bytes: Uint8Array): Promise<void> {
  if (stream.send(bytes) === false) await stream.onDrain()
}
