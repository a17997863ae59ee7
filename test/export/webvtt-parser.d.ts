// The parser the caption tests check WebVTT output with; it ships without types.
declare module 'webvtt-parser' {
  interface VttNode {
    type?: string
    name?: string
    value?: string
    children?: VttNode[]
  }
  interface VttCue {
    id: string
    startTime: number
    endTime: number
    text: string
    tree: VttNode
  }
  class WebVTTParser {
    constructor(entities?: Record<string, string>)
    parse(input: string, mode?: 'metadata' | 'chapters'): { cues: VttCue[]; errors: Array<{ message: string; line: number }> }
  }
  const webvtt: { WebVTTParser: typeof WebVTTParser }
  export default webvtt
}
