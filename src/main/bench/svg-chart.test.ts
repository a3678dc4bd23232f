import { describe, expect, it } from 'vitest'
import { lineChartSvg, niceTicks } from './svg-chart.js'

describe('lineChartSvg', () => {
  const svg = lineChartSvg({
    title: 'A & B <chart>',
    xLabel: 'seconds',
    yLabel: 'tasks',
    series: [
      { label: 'first', color: '#123456', points: [[0, 0], [1, 2], [2, null], [3, 4], [4, 5]] },
      { label: 'second', color: 'red', dashed: true, points: [[0, 1], [4, 3]] }
    ],
    bands: [{ from: 1, to: 3, label: 'down', color: '#f8d0d0' }]
  })

  it('is one standalone SVG document with the title, axis labels and legend escaped', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    expect(svg).toContain('A &amp; B &lt;chart&gt;')
    expect(svg).not.toContain('<chart>')
    for (const label of ['seconds', 'tasks', 'first', 'second', 'down']) expect(svg).toContain(`>${label}</text>`)
  })

  it('breaks a line where a value is missing, and shades the band', () => {
    const paths = [...svg.matchAll(/<path d="([^"]+)"[^>]*stroke="([^"]+)"/g)].map(m => ({ d: m[1]!, color: m[2]! }))
    const first = paths.find(p => p.color === '#123456')!
    // Two segments: [0,1] and [3,4].
    expect(first.d.match(/M/g)).toHaveLength(2)
    expect(first.d.match(/L/g)).toHaveLength(2)
    expect(svg).toMatch(/<path d="[^"]+" fill="none" stroke="red" stroke-width="2" stroke-dasharray="6 4"\/>/)
    expect(svg).toMatch(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="#f8d0d0"\/>/)
  })
})

describe('niceTicks', () => {
  it('covers the range with round steps from 0', () => {
    expect(niceTicks(50)).toEqual([0, 10, 20, 30, 40, 50])
    expect(niceTicks(4)).toEqual([0, 1, 2, 3, 4])
    expect(niceTicks(113)).toEqual([0, 20, 40, 60, 80, 100, 120])
    expect(niceTicks(0)).toEqual([0, 1])
  })
})
