/**
 * Runs `task` every `intervalMs` (and once at the start with `immediately`),
 * never two rounds at a time: a round still running when the next is due
 * makes it skip. A failing round goes to `onError`; the next one runs as
 * usual. The timer keeps no process alive. Returns the function that stops it.
 */
export function every(intervalMs: number, task: () => Promise<void>, onError: (error: unknown) => void, options: { immediately?: boolean } = {}): () => void {
  let running = false
  const round = () => {
    if (running) return
    running = true
    task()
      .catch(onError)
      .finally(() => (running = false))
  }
  if (options.immediately) round()
  const timer = setInterval(round, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
