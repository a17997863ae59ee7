// Free loopback ports, never the same one twice in this process: scenarios run
// side by side, and a port is taken only when its server starts (and again at
// each restart). The range is the suite's own: below Linux's ephemeral ports
// (32768 and up, where outgoing connections take theirs) and apart from the
// 55500-55599 that the other suites pick from while this one runs.
import { createServer } from 'node:net'

const FIRST = 30_000
const COUNT = 1_000
const given = new Set<number>()

export async function reservePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FIRST + Math.floor(Math.random() * COUNT)
    if (given.has(port) || !(await isFree(port))) continue
    given.add(port)
    return port
  }
  throw new Error(`no free port left in ${FIRST}-${FIRST + COUNT - 1} for the fault suite`)
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}
