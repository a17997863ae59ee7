import { clock, cueLines, cuesOf } from '../cues.js'
import type { Encoder } from '../types.js'

// In cue text `&` and `<` start markup and `-->` would read as a timing line.
function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** WebVTT captions of one session, the speaker as a voice span: `<v User>Hello`. */
export const encodeVtt: Encoder = async function* (sessions) {
  yield 'WEBVTT\n'
  for await (const session of sessions) {
    for await (const cue of cuesOf(session)) {
      yield `\n${cue.index}\n${clock(cue.start, '.')} --> ${clock(cue.end, '.')}\n<v ${cue.speaker}>${escapeVtt(cueLines(cue.text))}\n`
    }
  }
}
