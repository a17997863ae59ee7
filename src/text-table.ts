/**
 * Rows as aligned lines for a terminal: each column as wide as its widest
 * cell (at most 48, longer cells end in …), two spaces between, the last
 * column as it is.
 */
export function textTable(rows: readonly (readonly string[])[]): string[] {
  if (rows.length === 0) return []
  const widths = rows[0]!.map((_, column) => Math.min(48, Math.max(...rows.map((row) => row[column]!.length))))
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : clip(cell, widths[column]!).padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  )
}

function clip(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text
}
