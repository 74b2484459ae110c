/** Structured logs (pino). Tokens, passwords and authorization headers never reach them. */
import pino, { Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({
    level,
    base: { service: 'segments' },
    redact: {
      paths: ['token', '*.token', 'password', '*.password', 'authorization', '*.authorization',
        'req.headers.authorization', 'headers.authorization', 'connectionParams', '*.connectionParams'],
      censor: '[redacted]',
    },
  });
}
