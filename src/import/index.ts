// `parley/import`: each platform's adapter, and the writer that stores what they read.
export { adapters, elevenlabs, livekit, openaiChat, openaiRealtime, parley, retell, vapi, vercelUi } from './adapters/index.js'
export { PLATFORMS, type ImportAdapter, type ImportContext, type ImportedMessage, type ImportedSession, type MessageSource, type Platform, type SessionSource } from './types.js'
export { PARLEY_IMPORT_NAMESPACE, importedMessageId, importedSessionId, contentHashId } from './ids.js'
export { ImportError } from './import-error.js'
export { writeImportedSession, type WrittenSession } from './write-session.js'
export { importFile, importSessions, parseImportFile, type ImportOptions, type ImportSummary } from './import-sessions.js'
