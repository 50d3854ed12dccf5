export type Level = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** One JSON object a line, so logs can be searched and shipped as they are. */
export function createLogger(minimum: Level = 'info', write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < RANK[minimum]) return;
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...serializable(fields) })}\n`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

/** Errors lose their message and stack in JSON.stringify; keep them, with their causes. */
function serializable(fields: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!fields) return fields;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = value instanceof Error ? describeError(value) : value;
  return out;
}

function describeError(error: Error): Record<string, unknown> {
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(error.cause !== undefined ? { cause: error.cause instanceof Error ? describeError(error.cause) : String(error.cause) } : {}),
  };
}
