// Prometheus metrics (prom-client). One registry per process; the shared modules register
// their instruments here and /metrics serves it.
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

/** Sets the `service` label on every metric of this process. */
export function setServiceLabel(service: string): void {
  registry.setDefaultLabels({ service });
}

export const recordsConsumed = new client.Counter({
  name: 'kafka_records_consumed_total',
  help: 'Records handled by the consumer loop, by topic and outcome (processed, duplicate, dead_lettered)',
  labelNames: ['topic', 'outcome'] as const,
  registers: [registry],
});

export const recordsProduced = new client.Counter({
  name: 'kafka_records_produced_total',
  help: 'Records published to Kafka, by topic',
  labelNames: ['topic'] as const,
  registers: [registry],
});

export const handlerDuration = new client.Histogram({
  name: 'kafka_handler_duration_seconds',
  help: 'Time from decode to DB commit for one record, by topic',
  labelNames: ['topic'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const handlerRetries = new client.Counter({
  name: 'kafka_handler_retries_total',
  help: 'Retries of a record after a transient error, by topic',
  labelNames: ['topic'] as const,
  registers: [registry],
});

export const deadLetters = new client.Counter({
  name: 'kafka_dead_letters_total',
  help: 'Records sent to a dead-letter topic, by source topic and error class',
  labelNames: ['topic', 'error_class'] as const,
  registers: [registry],
});

export const consumerLag = new client.Gauge({
  name: 'kafka_consumer_lag',
  help: 'High watermark minus the next offset to process, by topic and partition',
  labelNames: ['topic', 'partition'] as const,
  registers: [registry],
});

export const outboxBacklog = new client.Gauge({
  name: 'outbox_pending_rows',
  help: 'Outbox rows not yet published',
  registers: [registry],
});

export const outboxOldestAge = new client.Gauge({
  name: 'outbox_oldest_pending_age_seconds',
  help: 'Age of the oldest unpublished outbox row (0 when none)',
  registers: [registry],
});

export const httpRequestDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

export { client as promClient };
