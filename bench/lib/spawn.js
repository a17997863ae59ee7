// The parent side: runs one method file in a fresh Node process.
import { spawn } from 'node:child_process'
import { RESULT_PREFIX } from './child.js'

/** Runs `bench/methods/<file>` with `config`; resolves with the result it printed. */
export function runChild(script, config, { nodeArgs = [], timeoutMs = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script], {
      env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const line = stdout.split('\n').find((text) => text.startsWith(RESULT_PREFIX))
      if (code === 0 && line) return resolve(JSON.parse(line.slice(RESULT_PREFIX.length)))
      reject(new Error(`${script} failed (${signal ?? `exit ${code}`}):\n${stderr.trim().split('\n').slice(-15).join('\n')}`))
    })
  })
}
