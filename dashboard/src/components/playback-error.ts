// What to tell a person when an <audio> element gives up: which host, and why as far as the browser says.

/** The line shown under a player whose recording failed: names the URL's host. */
export function playbackError(audio: HTMLAudioElement): string {
  const url = audio.currentSrc || audio.src
  let host = url
  try {
    host = new URL(url, location.href).host || url
  } catch {
    // Not a URL at all: show it as stored.
  }
  return `The recording could not be played from ${host}: ${reason(audio.error?.code)}.`
}

function reason(code: number | undefined): string {
  if (code === 2) return 'the connection failed while loading it'
  if (code === 3) return 'the file is damaged or not audio this browser can decode'
  // 4 (MEDIA_ERR_SRC_NOT_SUPPORTED) is also what a 404 or a refused request gives.
  return 'it is missing there, was refused, or is in a format this browser cannot play'
}
