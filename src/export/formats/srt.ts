import { clock, cueLines, cuesOf } from '../cues.js'
import type { Encoder } from '../types.js'

/** SubRip captions of one session, the speaker as a prefix: `User: Hello`. */
export const encodeSrt: Encoder = async function* (sessions) {
  let first = true
  for await (const session of sessions) {
    for await (const cue of cuesOf(session)) {
      // An arrow in the text would read as a timing line.
      const text = cueLines(cue.text).replace(/-->/g, '->')
      yield `${first ? '' : '\n'}${cue.index}\n${clock(cue.start, ',')} --> ${clock(cue.end, ',')}\n${cue.speaker}: ${text}\n`
      first = false
    }
  }
}
