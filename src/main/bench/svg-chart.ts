// A small line chart as a standalone SVG document, for the charts benches write next to their JSON:
// numeric x and y axes with round ticks, one polyline per series (null values break the line),
// shaded x-ranges for phases such as "control peer down", a title, axis labels and a legend.
// Plain text output, no dependency: any browser or image viewer opens it.

export interface ChartSeries {
  label: string
  /** Any SVG colour. */
  color: string
  /** [x, y] in data units; y null = no value (the line breaks there). */
  points: Array<[number, number | null]>
  dashed?: boolean
  /** Stroke width in pixels. Default 2: a wider line drawn first stays visible under one that follows it. */
  width?: number
}

/** A shaded x-range behind the lines, named in the legend. */
export interface ChartBand { from: number, to: number, label: string, color: string }

export interface LineChart {
  title: string
  xLabel: string
  yLabel: string
  series: ChartSeries[]
  bands?: ChartBand[]
  /** Pixels. Default 900 × 480. */
  width?: number
  height?: number
}

const MARGIN = { top: 40, right: 24, bottom: 56, left: 64 }
const LEGEND_ROW = 18
/** Rough width of a character of the 12 px legend text, to wrap legend rows. */
const CHAR_PX = 6.8
const FONT = 'font-family="sans-serif"'

/** Escapes text for SVG content and attribute values. */
export function xmlEscape (s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Round tick positions (steps of 1, 2 or 5 × 10^k) covering [0, max], about `count` of them. */
export function niceTicks (max: number, count = 6): number[] {
  if (!(max > 0)) return [0, 1]
  const rough = max / count
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 5, 10].map(m => m * power).find(s => s >= rough) ?? 10 * power
  const ticks: number[] = []
  for (let v = 0; v < max + step / 2; v += step) ticks.push(Number(v.toPrecision(12)))
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)))
  return ticks
}

const fmt = (n: number): string => Number.isInteger(n) ? String(n) : n.toFixed(1)

export function lineChartSvg (chart: LineChart): string {
  const width = chart.width ?? 900
  const height = chart.height ?? 480
  const plotW = width - MARGIN.left - MARGIN.right
  const bands = chart.bands ?? []
  // The legend sits between the title and the plot, so it never hides a line.
  const entries: LegendEntry[] = [...chart.series.map(s => ({ ...s, kind: 'line' as const })), ...bands.map(b => ({ ...b, kind: 'band' as const }))]
  const placed = layoutLegend(entries, MARGIN.left, MARGIN.top, plotW)
  const top = MARGIN.top + placed.rows * LEGEND_ROW + 10
  const plotH = height - top - MARGIN.bottom
  const values = chart.series.flatMap(s => s.points)
  // Both axes start at 0: counts and seconds since the start, where 0 means something.
  const xTicks = niceTicks(Math.max(0, ...values.map(p => p[0]), ...bands.map(b => b.to)), 8)
  const yTicks = niceTicks(Math.max(0, ...values.map(p => p[1] ?? 0)))
  const xMax = xTicks[xTicks.length - 1]!
  const yMax = yTicks[yTicks.length - 1]!
  const x = (v: number): number => MARGIN.left + (v / xMax) * plotW
  const y = (v: number): number => top + plotH - (v / yMax) * plotH
  const r = (n: number): string => n.toFixed(1)

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" ${FONT} font-size="16" font-weight="bold">${xmlEscape(chart.title)}</text>`
  ]
  for (const b of bands) {
    const from = Math.max(0, Math.min(b.from, xMax))
    const to = Math.max(from, Math.min(b.to, xMax))
    out.push(`<rect x="${r(x(from))}" y="${top}" width="${r(x(to) - x(from))}" height="${plotH}" fill="${xmlEscape(b.color)}"/>`)
  }
  for (const t of yTicks) {
    out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${r(y(t))}" y2="${r(y(t))}" stroke="#e0e0e0"/>`)
    out.push(`<text x="${MARGIN.left - 8}" y="${r(y(t) + 4)}" text-anchor="end" ${FONT} font-size="12">${fmt(t)}</text>`)
  }
  for (const t of xTicks) {
    out.push(`<line x1="${r(x(t))}" x2="${r(x(t))}" y1="${top + plotH}" y2="${top + plotH + 5}" stroke="#333"/>`)
    out.push(`<text x="${r(x(t))}" y="${top + plotH + 20}" text-anchor="middle" ${FONT} font-size="12">${fmt(t)}</text>`)
  }
  out.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${height - 14}" text-anchor="middle" ${FONT} font-size="13">${xmlEscape(chart.xLabel)}</text>`,
    `<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" ${FONT} font-size="13">${xmlEscape(chart.yLabel)}</text>`
  )
  for (const s of chart.series) {
    const d = pathData(s.points.map(([px, py]) => [x(px), py === null ? null : y(py)]))
    if (d === '') continue
    out.push(`<path d="${d}" fill="none" stroke="${xmlEscape(s.color)}" stroke-width="${s.width ?? 2}"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`)
  }
  out.push(...placed.svg)
  out.push('</svg>')
  return out.join('\n') + '\n'
}

/** "M x y L x y …", starting a new segment after every gap. */
function pathData (points: Array<[number, number | null]>): string {
  let d = ''
  let drawing = false
  for (const [px, py] of points) {
    if (py === null) { drawing = false; continue }
    d += `${d === '' ? '' : ' '}${drawing ? 'L' : 'M'}${px.toFixed(1)} ${py.toFixed(1)}`
    drawing = true
  }
  return d
}

type LegendEntry = { label: string, color: string, kind: 'line', dashed?: boolean, width?: number } | { label: string, color: string, kind: 'band' }

/** Entries left to right, wrapping to a new row when the next one would pass the plot's width. */
function layoutLegend (entries: LegendEntry[], left: number, top: number, width: number): { rows: number, svg: string[] } {
  const svg: string[] = []
  let row = 0
  let x = left
  for (const e of entries) {
    const w = 30 + e.label.length * CHAR_PX + 16
    if (x > left && x + w > left + width) { row++; x = left }
    const cy = top + row * LEGEND_ROW + LEGEND_ROW / 2
    if (e.kind === 'line') svg.push(`<line x1="${x.toFixed(1)}" x2="${(x + 22).toFixed(1)}" y1="${cy}" y2="${cy}" stroke="${xmlEscape(e.color)}" stroke-width="${e.width ?? 2}"${e.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`)
    else svg.push(`<rect x="${x.toFixed(1)}" y="${cy - 6}" width="22" height="12" fill="${xmlEscape(e.color)}" stroke="#999999"/>`)
    svg.push(`<text x="${(x + 28).toFixed(1)}" y="${cy + 4}" ${FONT} font-size="12">${xmlEscape(e.label)}</text>`)
    x += w
  }
  return { rows: entries.length === 0 ? 0 : row + 1, svg }
}
