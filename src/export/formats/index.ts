import { ValidationError } from '../../model/errors.js'
import { EXPORT_FORMAT_NAMES, ONE_SESSION_FORMATS, type ExportFormatName } from '../../model/export-formats.js'
import type { Encoder } from '../types.js'
import { encodeCsv } from './csv.js'
import { encodeJson } from './json.js'
import { encodeJsonl } from './jsonl.js'
import { encodeOpenAI } from './openai.js'
import { encodeSrt } from './srt.js'
import { encodeTxt } from './txt.js'
import { encodeVercelUI } from './vercel-ui.js'
import { encodeVtt } from './vtt.js'

export interface ExportFormat {
  name: ExportFormatName
  encode: Encoder
  /** For HTTP responses. */
  contentType: string
  /** The file name extension, without the dot. */
  extension: string
  /** Exports exactly one session (`--session`), see ONE_SESSION_FORMATS. */
  oneSession: boolean
}

const formats: Record<ExportFormatName, Omit<ExportFormat, 'name' | 'oneSession'>> = {
  json: { encode: encodeJson, contentType: 'application/json; charset=utf-8', extension: 'json' },
  jsonl: { encode: encodeJsonl, contentType: 'application/x-ndjson; charset=utf-8', extension: 'jsonl' },
  csv: { encode: encodeCsv, contentType: 'text/csv; charset=utf-8; header=present', extension: 'csv' },
  vtt: { encode: encodeVtt, contentType: 'text/vtt; charset=utf-8', extension: 'vtt' },
  srt: { encode: encodeSrt, contentType: 'application/x-subrip; charset=utf-8', extension: 'srt' },
  txt: { encode: encodeTxt, contentType: 'text/plain; charset=utf-8', extension: 'txt' },
  openai: { encode: encodeOpenAI, contentType: 'application/json; charset=utf-8', extension: 'openai.json' },
  'vercel-ui': { encode: encodeVercelUI, contentType: 'application/json; charset=utf-8', extension: 'ui.json' },
}

/** The format by name; `ValidationError` on `field` naming the known ones otherwise. */
export function exportFormat(name: string, field = 'format'): ExportFormat {
  if (!(EXPORT_FORMAT_NAMES as readonly string[]).includes(name)) {
    throw new ValidationError(field, `must be one of ${EXPORT_FORMAT_NAMES.join(', ')}; got "${name}"`)
  }
  const known = name as ExportFormatName
  return { name: known, ...formats[known], oneSession: ONE_SESSION_FORMATS.includes(known) }
}

export { EXPORT_FORMAT_NAMES, type ExportFormatName }
