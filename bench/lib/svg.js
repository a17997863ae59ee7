// Throughput by method as a horizontal bar chart, written by hand (no chart library):
// the median as the bar, min–max as a whisker, Parley's rows in another colour.
const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;')

export function throughputSvg(rows, { title, subtitle, footnote }) {
  const sorted = [...rows].sort((a, b) => b.median - a.median)
  const left = 230
  const width = 900
  const barArea = width - left - 90
  const rowHeight = 26
  const top = 64
  const height = top + sorted.length * rowHeight + 30
  const max = Math.max(...sorted.map((row) => row.max ?? row.median))
  const x = (value) => left + (value / max) * barArea
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="16" y="24" font-size="16" font-weight="bold">${escape(title)}</text>`,
    `<text x="16" y="44" fill="#555">${escape(subtitle)}</text>`,
  ]
  sorted.forEach((row, index) => {
    const y = top + index * rowHeight
    const colour = row.name.startsWith('parley_') ? '#2f6fdf' : '#9aa4b1'
    parts.push(
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${escape(row.name)}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${Math.max(1, x(row.median) - left).toFixed(1)}" height="${rowHeight - 8}" fill="${colour}"/>`,
    )
    if (row.min !== undefined && row.max !== undefined && row.max > row.min) {
      const mid = y + rowHeight / 2 - 1
      parts.push(`<line x1="${x(row.min).toFixed(1)}" x2="${x(row.max).toFixed(1)}" y1="${mid}" y2="${mid}" stroke="#222" stroke-width="1.5"/>`)
    }
    parts.push(`<text x="${(x(row.max ?? row.median) + 6).toFixed(1)}" y="${y + 15}" fill="#222">${Math.round(row.median).toLocaleString('en-US')}</text>`)
  })
  parts.push(`<text x="${left}" y="${height - 8}" fill="#555">${escape(footnote)}</text>`, '</svg>')
  return `${parts.join('\n')}\n`
}
