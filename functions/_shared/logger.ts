// Pino options shared by every function: JSON lines, ISO time, and redaction of anything secret-looking,
// so a careless `log.info({ req, config })` cannot leak a token or a Secret's data.
import type { LoggerOptions } from 'pino';
import type { LogLevel } from './config.js';

/** Paths pino censors wherever they appear at these depths (pino's wildcards match one level each). */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.authorization',
  'token',
  'tokens',
  '*.token',
  '*.tokens',
  '*.*.tokens',
  'password',
  '*.password',
  'secret',
  '*.secret',
  // A Secret's payload and a pod's env values may be logged by mistake when a whole object is passed.
  'data',
  'stringData',
  '*.data',
  '*.stringData',
  '*.*.stringData',
  'object.data',
  'request.object',
  'request.oldObject',
  'requestObject',
  'responseObject',
  '*.requestObject',
  '*.responseObject',
];

export function loggerOptions(level: LogLevel, name = 'podferry'): LoggerOptions {
  return {
    name,
    level,
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  };
}
