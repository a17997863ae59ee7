// Parley's tracker in the application's process: 256 conversations at once,
// each adding its messages one awaited addMessage after another. The pool is
// the default one (10 connections) unless BENCH config says otherwise.
import { createTracker, openDatabase } from '../../dist/index.js'
import { runMethod } from '../lib/child.js'
import { conversations } from '../lib/conversations.js'

runMethod(async ({ databaseUrl, seconds, maxConnections }) => {
  const database = maxConnections ? await openDatabase(databaseUrl, { maxConnections }) : databaseUrl
  const tracker = await createTracker({ database })
  const result = await conversations(tracker, { conversations: 256, seconds })
  await tracker.close()
  if (typeof database !== 'string') await database.close()
  return result
})
