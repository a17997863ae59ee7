// Free loopback ports, never the same one twice in this process: scenarios run
// side by side, and a port is taken only when its server starts (and again at
// each restart). The range is the suite's own: below Linux's ephemeral ports
// (32768 and up, where outgoing connections take theirs) and apart from the
// 55500-55599 that the other suites pick from while this one runs.
import { freePort } from '../support/throwaway.js'

const RANGE = { first: 30_000, count: 1_000 }
const given = new Set<number>()

export async function reservePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort(RANGE)
    if (given.has(port)) continue
    given.add(port)
    return port
  }
  throw new Error('no port left for the fault suite that it has not given out already')
}
