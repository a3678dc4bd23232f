// "Lent over time": CPU and memory held by colleagues' tasks, last 10 minutes, each line scaled to
// its own maximum so both are readable on one chart; the legend gives the values in words.
import { HISTORY_WINDOW_MS, type LendSample } from '../store/history.js'
import { formatCores, formatMemory } from '../format/units.js'
import { polylinePoints } from './chart-math.js'

const BOX = { width: 600, height: 120 }

export function LendChart ({ samples, maxCpu, maxMemMb, now }: {
  samples: readonly LendSample[]
  /** The top of the CPU scale, cores. */
  maxCpu: number
  /** The top of the memory scale, MiB. */
  maxMemMb: number
  now: number
}): React.JSX.Element {
  const last = samples[samples.length - 1]
  const cpu = polylinePoints(samples, (s) => s.heldCpu, maxCpu, now, HISTORY_WINDOW_MS, BOX)
  const mem = polylinePoints(samples, (s) => s.heldMemMb, maxMemMb, now, HISTORY_WINDOW_MS, BOX)
  return (
    <figure className='chart'>
      <svg
        role='img'
        aria-label='Lent over time'
        viewBox={`0 0 ${BOX.width} ${BOX.height}`}
        preserveAspectRatio='none'
        className='chart-svg'
      >
        {[0.25, 0.5, 0.75].map((f) => (
          <line key={f} x1={0} x2={BOX.width} y1={BOX.height * f} y2={BOX.height * f} className='chart-grid' />
        ))}
        {samples.length > 1 && <polyline points={mem} className='chart-line chart-mem' />}
        {samples.length > 1 && <polyline points={cpu} className='chart-line chart-cpu' />}
      </svg>
      <div className='chart-axis' aria-hidden='true'><span>10 min ago</span><span>now</span></div>
      <figcaption className='chart-legend'>
        <span className='legend-cpu'>CPU lent: {formatCores(last?.heldCpu ?? 0)} of {formatCores(maxCpu)} cores</span>
        <span className='legend-mem'>Memory lent: {formatMemory(last?.heldMemMb ?? 0)} of {formatMemory(maxMemMb)}</span>
      </figcaption>
    </figure>
  )
}
