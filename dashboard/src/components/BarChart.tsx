// A bar chart drawn by uPlot (small, canvas, no dependencies), sized to its box.
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface BarChartProps {
  /** x positions (unix seconds for time axes, indexes otherwise). */
  x: number[]
  y: number[]
  label: string
  time?: boolean
  /** Axis labels for index x values. */
  ticks?: string[]
}

export function BarChart({ x, y, label, time = false, ticks }: BarChartProps) {
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
      scales: { x: { time, distr: time ? 1 : 2 }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [
        { ...(ticks && { values: (_u: uPlot, splits: number[]) => splits.map((split) => ticks[split] ?? '') }), stroke: 'currentColor', grid: { show: false } },
        { stroke: 'currentColor', grid: { stroke: 'rgba(127,127,127,0.2)' } },
      ],
      series: [{}, { label, fill: color, stroke: color, paths: uPlot.paths.bars!({ size: [0.7, 60] }), points: { show: false } }],
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
