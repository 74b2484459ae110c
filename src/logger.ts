/** Structured logs (pino). Tokens, passwords and authorization headers never reach them. */
import pino, { Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

/** JSON lines to stdout, or to `destination` (tests read what was logged). */
export function createLogger(level: LogLevel = 'info', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'segments' },
    redact: {
      paths: ['token', '*.token', 'password', '*.password', 'authorization', '*.authorization',
        'req.headers.authorization', 'headers.authorization', 'connectionParams', '*.connectionParams'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
