// A bar chart drawn by uPlot (small, canvas, no dependencies), sized to its box.
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface BarChartProps {
  /** x positions: 0, 1, 2… with `ticks` as their labels. */
  x: number[]
  y: number[]
  label: string
  /** Axis labels for index x values. */
  ticks?: string[]
}

const COUNT_STEPS = [1, 2, 5].flatMap((step) => [1, 10, 100, 1000, 10_000, 100_000, 1_000_000].map((scale) => step * scale)).sort((a, b) => a - b)

export function BarChart({ x, y, label, ticks }: BarChartProps) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = box.current
    if (!element) return
    const color = getComputedStyle(element).getPropertyValue('--accent').trim() || '#2f6fdf'
    const options: uPlot.Options = {
      width: Math.max(240, element.clientWidth),
      height: 220,
      legend: { show: false },
      cursor: { show: true, drag: { x: false, y: false } },
      // Half a slot either side, so the first and last bars are whole; from the data, as uPlot widens a one-point range its own way.
      scales: { x: { time: false, range: () => [(x[0] ?? 0) - 0.5, (x.at(-1) ?? 0) + 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [
        {
          ...(ticks && { values: (_u: uPlot, splits: number[]) => splits.map((split) => ticks[split] ?? '') }),
          // Room for the longest label, so `2024-03-14` does not run into its neighbour.
          space: Math.max(50, 7 * Math.max(0, ...(ticks ?? []).map((tick) => tick.length)) + 16),
          incrs: COUNT_STEPS,
          stroke: 'currentColor',
          grid: { show: false },
        },
        // Counts are whole numbers: no 0.25 ticks.
        { stroke: 'currentColor', grid: { stroke: 'rgba(127,127,127,0.2)' }, incrs: COUNT_STEPS },
      ],
      // A bar is 70 % of its slot, 3 to 60 px wide: never a hairline.
      series: [{}, { label, fill: color, stroke: color, paths: uPlot.paths.bars!({ size: [0.7, 60, 3] }), points: { show: false } }],
    }
    const chart = new uPlot(options, [x, y], element)
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(240, element.clientWidth), height: 220 }))
    resize.observe(element)
    return () => {
      resize.disconnect()
      chart.destroy()
    }
  }, [x.join(','), y.join(','), ticks?.join(',')])
  return <div ref={box} class="chart" role="img" aria-label={`${label} (bar chart; the numbers are in the table below)`} />
}
