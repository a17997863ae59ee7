// Peak RSS of `parley export` writing every message of the seeded database (to /dev/null).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = new URL('../../', import.meta.url)

/** Whether the export command exists in this build (another change adds it). */
export const exportAvailable = () =>
  existsSync(new URL('src/cli/commands/export.ts', root)) && existsSync(new URL('dist/cli/commands/export.js', root))

export function exportPeakRssMb(databaseUrl) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', fileURLToPath(new URL('report-max-rss.js', import.meta.url)), fileURLToPath(new URL('bin/parley.js', root)),
        'export', '--database-url', databaseUrl, '--format', 'json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stderr = ''
    // Counted, not kept: the bytes show the export was whole.
    let bytes = 0
    child.stdout.on('data', (chunk) => (bytes += chunk.length))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => {
      const kb = /BENCH_MAX_RSS_KB (\d+)/.exec(stderr)?.[1]
      if (code === 0 && kb) resolve({ peakRssMb: Number(kb) / 1024, bytes })
      else reject(new Error(`parley export failed (exit ${code}):\n${stderr.trim().split('\n').slice(-10).join('\n')}`))
    })
  })
}
