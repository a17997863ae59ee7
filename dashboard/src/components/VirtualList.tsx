// Renders only the rows near the viewport of a scrolling box, so a 2,000-turn
// transcript or a long sessions table stays fast. Rows may differ in height:
// each is measured once drawn, and an estimate stands in until then.
import type { ComponentChildren } from 'preact'
import { useLayoutEffect, useRef, useState } from 'preact/hooks'

export interface VirtualListProps {
  count: number
  /** A stable key per row (measured heights are kept by it). */
  keyOf(index: number): string
  render(index: number): ComponentChildren
  estimate: number
  /** Rows drawn beyond the viewport on each side. */
  overscan?: number
  /** Scrolls this row into view when it changes. */
  scrollToIndex?: number | null
  onNearEnd?: () => void
  class?: string
  label: string
  role?: 'log' | 'rowgroup' | 'list'
}

export function VirtualList(props: VirtualListProps) {
  const { count, keyOf, render, estimate, overscan = 6 } = props
  const box = useRef<HTMLDivElement>(null)
  const inner = useRef<HTMLDivElement>(null)
  const heights = useRef(new Map<string, number>())
  const [scrollTop, setScrollTop] = useState(0)
  const [viewport, setViewport] = useState(800)
  const [, setMeasured] = useState(0)

  const offsets = new Float64Array(count + 1)
  for (let index = 0; index < count; index++) offsets[index + 1] = offsets[index]! + (heights.current.get(keyOf(index)) ?? estimate)
  const total = offsets[count]!

  let first = firstAtOrAfter(offsets, scrollTop) - 1
  first = Math.max(0, first - overscan)
  let last = firstAtOrAfter(offsets, scrollTop + viewport)
  last = Math.min(count, last + overscan)

  useLayoutEffect(() => {
    const element = box.current
    if (!element) return
    const resize = new ResizeObserver(() => setViewport(element.clientHeight || 800))
    resize.observe(element)
    return () => resize.disconnect()
  }, [])

  // Measure what was drawn; redraw only when a height changed.
  useLayoutEffect(() => {
    const rows = inner.current?.children
    if (!rows) return
    let changed = false
    for (let position = 0; position < rows.length; position++) {
      const key = keyOf(first + position)
      const height = (rows[position] as HTMLElement).offsetHeight
      if (height > 0 && heights.current.get(key) !== height) {
        heights.current.set(key, height)
        changed = true
      }
    }
    if (changed) setMeasured((value) => value + 1)
  })

  const target = props.scrollToIndex
  useLayoutEffect(() => {
    if (target === null || target === undefined || target < 0 || target >= count || !box.current) return
    box.current.scrollTop = offsets[target]!
    setScrollTop(box.current.scrollTop)
    // Heights above the target are known only once drawn: settle once more.
    const frame = requestAnimationFrame(() => {
      if (!box.current) return
      const settled = firstOffset(target)
      if (Math.abs(box.current.scrollTop - settled) > 1) box.current.scrollTop = settled
    })
    return () => cancelAnimationFrame(frame)
  }, [target, count > 0])

  function firstOffset(index: number): number {
    let offset = 0
    for (let position = 0; position < index; position++) offset += heights.current.get(keyOf(position)) ?? estimate
    return offset
  }

  const onScroll = (event: Event) => {
    const element = event.currentTarget as HTMLDivElement
    setScrollTop(element.scrollTop)
    if (props.onNearEnd && element.scrollTop + element.clientHeight >= element.scrollHeight - estimate * 4) props.onNearEnd()
  }

  const rows: ComponentChildren[] = []
  for (let index = first; index < last; index++) rows.push(<div key={keyOf(index)} data-index={index}>{render(index)}</div>)

  return (
    <div ref={box} class={`virtual ${props.class ?? ''}`} onScroll={onScroll} tabIndex={0} aria-label={props.label} role={props.role}>
      <div style={{ height: `${total}px`, position: 'relative' }}>
        <div ref={inner} style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${offsets[first] ?? 0}px)` }}>
          {rows}
        </div>
      </div>
    </div>
  )
}

/** The first index whose start offset is past `value` (binary search). */
function firstAtOrAfter(offsets: Float64Array, value: number): number {
  let low = 0
  let high = offsets.length - 1
  while (low < high) {
    const middle = (low + high) >> 1
    if (offsets[middle]! <= value) low = middle + 1
    else high = middle
  }
  return low
}
