// `parley serve` as a user runs it, in its own process (so the load generator
// does not share its thread), with its peak resident memory read from /proc.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const PARLEY_BIN = fileURLToPath(new URL('../../bin/parley.js', import.meta.url))

/** Starts the server on a free port; resolves with its base URL, its process and `stop()`. */
export function startServe(databaseUrl, { env = {} } = {}) {
  return new Promise((resolve, reject) => {
    // bench/profile.js passes --cpu-prof this way (NODE_OPTIONS may not carry it).
    const nodeArgs = process.env.BENCH_SERVE_NODE_ARGS?.split(' ').filter(Boolean) ?? []
    const child = spawn(process.execPath, [...nodeArgs, PARLEY_BIN, 'serve', '--database-url', databaseUrl, '--port', '0'], {
      // Rate limiting would measure the limiter; logs go where a service's usually go (a pipe), here discarded.
      env: { ...process.env, PARLEY_RATE_LIMIT: '0', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    const onData = (chunk) => {
      stderr += chunk
      const match = /Parley listens on (http:\/\/\S+)/.exec(stderr)
      if (!match) return
      child.stderr.off('data', onData)
      child.stderr.resume()
      resolve({
        url: match[1],
        pid: child.pid,
        peakRssMb: () => peakRssMb(child.pid),
        stop: () =>
          new Promise((done) => {
            child.once('close', done)
            child.kill('SIGTERM')
          }),
      })
    }
    child.stderr.on('data', onData)
    child.once('close', (code) => reject(new Error(`parley serve exited (${code}) before listening:\n${stderr}`)))
  })
}

/** VmHWM: the most resident memory the process has had, in MB. */
export function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1])
  return kb / 1024
}
