// Free loopback ports, never the same one twice in this process: scenarios run
// side by side, and a port is taken only when its server starts.
import { freePort } from '../support/throwaway.js'

const given = new Set<number>()

export async function reservePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort()
    if (!given.has(port)) {
      given.add(port)
      return port
    }
  }
  throw new Error('no free port left in 55500-55599 for the fault suite')
}
