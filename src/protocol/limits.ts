// Limits the server enforces and the client respects, in one dependency-free
// place so the browser bundle can import them without the schemas.

/** Most messages in one POST or `message.add` frame. */
export const MAX_MESSAGES_PER_REQUEST = 500

/** Largest request body or WebSocket frame, in bytes (413 beyond). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024
