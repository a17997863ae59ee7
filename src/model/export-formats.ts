// The export formats by name: shared by the CLI, the HTTP routes and the client SDK (no Node imports here).

export const EXPORT_FORMAT_NAMES = ['json', 'jsonl', 'csv', 'vtt', 'srt', 'txt', 'openai', 'vercel-ui'] as const
export type ExportFormatName = (typeof EXPORT_FORMAT_NAMES)[number]

/** Formats whose shape is one conversation (captions of one recording, one chat): they export one session. */
export const ONE_SESSION_FORMATS: readonly ExportFormatName[] = ['vtt', 'srt', 'openai', 'vercel-ui']
