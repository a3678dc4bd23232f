// Turns time-stamped samples into SVG polyline points for the lending chart.
export interface ChartBox { width: number, height: number }

/**
 * Points for one series: x spreads the window [now − windowMs, now] over the width, y maps
 * 0..max to the bottom..top (values above max are clipped to the top).
 */
export function polylinePoints<S extends { at: number }> (
  samples: readonly S[], value: (s: S) => number, max: number, now: number, windowMs: number, box: ChartBox
): string {
  const start = now - windowMs
  const scale = max > 0 ? max : 1
  return samples
    .filter((s) => s.at >= start && s.at <= now)
    .map((s) => {
      const x = ((s.at - start) / windowMs) * box.width
      const y = box.height - (Math.min(Math.max(value(s), 0), scale) / scale) * box.height
      return `${round(x)},${round(y)}`
    })
    .join(' ')
}

const round = (n: number): number => Math.round(n * 10) / 10
