// Structured JSON logs. Every line carries the service name; handlers add event_id,
// order_id and correlation_id through child loggers.
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the service's root logger (JSON on stdout). */
export function createLogger(service: string, level: string = 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['*.password', '*.token', 'payment.token', 'req.headers["x-api-key"]'], censor: '***' },
  });
}
