#!/usr/bin/env node
// Draws the app and tray icons into resources/ (deterministic: same bytes every run). No
// dependencies: shapes are signed distance functions, 4×4 supersampled, written as RGBA PNG
// with node:zlib. Run `node scripts/make-icons.mjs` after changing a shape or a colour.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

// --- PNG ------------------------------------------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32 (bytes) {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk (type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const out = Buffer.alloc(body.length + 8)
  out.writeUInt32BE(data.length, 0)
  body.copy(out, 4)
  out.writeUInt32BE(crc32(body), body.length + 4)
  return out
}
/** rgba: Uint8Array of size*size*4, straight (not premultiplied) alpha. */
function encodePng (size, rgba) {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bit depth
  header[9] = 6 // colour type RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0 // filter: none
    Buffer.from(rgba.buffer, y * size * 4, size * 4).copy(rows, y * (size * 4 + 1) + 1)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ])
}

// --- shapes: signed distance in unit coordinates (0..1), negative inside -------------------------
const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r
const capsule = (ax, bx, cy, r) => (x, y) => Math.hypot(x - Math.min(bx, Math.max(ax, x)), y - cy) - r
const segment = (ax, ay, bx, by, r) => (x, y) => {
  const dx = bx - ax; const dy = by - ay
  const t = Math.min(1, Math.max(0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
  return Math.hypot(x - ax - t * dx, y - ay - t * dy) - r
}
const box = (cx, cy, hw, hh, r) => (x, y) => {
  const qx = Math.abs(x - cx) - hw + r; const qy = Math.abs(y - cy) - hh + r
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r
}
const union = (...shapes) => (x, y) => Math.min(...shapes.map(s => s(x, y)))
const minus = (a, b) => (x, y) => Math.max(a(x, y), -b(x, y))
/**
 * The band of `shape` within `width` of its edge (only the sign is meaningful). Erodes by probing
 * 32 directions: a min-union's inside distance is not exact, so |d| < width drew the puffs' seams.
 */
const outline = (shape, width) => (x, y) => {
  if (shape(x, y) > 0) return 1
  for (let k = 0; k < 32; k++) {
    const a = (k / 32) * 2 * Math.PI
    if (shape(x + width * Math.cos(a), y + width * Math.sin(a)) > 0) return -1
  }
  return 1
}

/** The cloud every icon is built on: two puffs over a rounded base. */
const cloud = union(circle(0.36, 0.52, 0.17), circle(0.6, 0.44, 0.23), capsule(0.24, 0.78, 0.64, 0.15))

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)]

/** Paints layers in order; each layer is {shape, colour: [r,g,b] or (x,y) => [r,g,b]}. */
function render (size, layers) {
  const rgba = new Uint8Array(size * size * 4)
  const SS = 4
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0; let g = 0; let b = 0; let a = 0 // premultiplied accumulation
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const x = (px + (sx + 0.5) / SS) / size
          const y = (py + (sy + 0.5) / SS) / size
          let cr = 0; let cg = 0; let cb = 0; let ca = 0
          for (const { shape, colour } of layers) {
            if (shape(x, y) > 0) continue
            const [lr, lg, lb] = typeof colour === 'function' ? colour(x, y) : colour
            cr = lr; cg = lg; cb = lb; ca = 1 // opaque layers: the top one wins
          }
          r += cr * ca; g += cg * ca; b += cb * ca; a += ca
        }
      }
      const i = (py * size + px) * 4
      if (a > 0) {
        rgba[i] = Math.round(r / a); rgba[i + 1] = Math.round(g / a); rgba[i + 2] = Math.round(b / a)
      }
      rgba[i + 3] = Math.round((a / (SS * SS)) * 255)
    }
  }
  return encodePng(size, rgba)
}

// --- the icons -------------------------------------------------------------------------------
const WHITE = hex('#ffffff')
const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t))
const TOP = hex('#2f7de1')
const BOTTOM = hex('#174ea6')

// App icon: a white cloud on a blue rounded square, with three linked peers on it.
const peers = [[0.38, 0.6], [0.55, 0.48], [0.68, 0.62]]
const links = union(segment(...peers[0], ...peers[1], 0.014), segment(...peers[1], ...peers[2], 0.014), segment(...peers[0], ...peers[2], 0.014))
const appIcon = [
  { shape: box(0.5, 0.5, 0.45, 0.45, 0.1), colour: (_x, y) => mix(TOP, BOTTOM, y) },
  { shape: cloud, colour: WHITE },
  { shape: links, colour: hex('#8fb4ec') },
  { shape: union(...peers.map(([x, y]) => circle(x, y, 0.045))), colour: hex('#1f63c6') }
]

// Tray: the cloud alone, its colour and a mark inside saying the state at 16 px.
const pauseBars = union(box(0.45, 0.56, 0.035, 0.1, 0.01), box(0.57, 0.56, 0.035, 0.1, 0.01))
const moon = minus(circle(0.52, 0.55, 0.13), circle(0.58, 0.5, 0.11))
const bang = union(box(0.51, 0.5, 0.04, 0.11, 0.02), circle(0.51, 0.68, 0.045))
const tray = {
  on: [{ shape: cloud, colour: hex('#2e9d57') }],
  paused: [{ shape: cloud, colour: hex('#7b818c') }, { shape: pauseBars, colour: WHITE }],
  snoozed: [{ shape: cloud, colour: hex('#6650d8') }, { shape: moon, colour: WHITE }],
  // idle-only, waiting for the owner to be away: the sharing colour, hollow
  idle: [{ shape: outline(cloud, 0.09), colour: hex('#2e9d57') }],
  error: [{ shape: cloud, colour: hex('#d13b3b') }, { shape: bang, colour: WHITE }]
}

const write = (rel, bytes) => {
  const file = path.join(ROOT, rel)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, bytes)
  console.log(`${rel} (${bytes.length} bytes)`)
}
write('resources/icon.png', render(512, appIcon))
for (const [name, layers] of Object.entries(tray)) {
  write(`resources/tray/${name}.png`, render(16, layers))
  write(`resources/tray/${name}@2x.png`, render(32, layers))
}
