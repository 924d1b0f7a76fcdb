// W3C trace context and correlation ids carried in Kafka record headers, so one checkout
// can be followed across services and logs without an agent.
import { randomBytes, randomUUID } from 'node:crypto';

export const HEADER_TRACEPARENT = 'traceparent';
export const HEADER_CORRELATION_ID = 'correlation-id';
export const HEADER_EVENT_TYPE = 'event-type';

export type TraceContext = { traceparent: string; correlationId: string };

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A new root trace, or a child span of `parent` when it is a valid traceparent. */
export function childTraceparent(parent?: string): string {
  const match = parent ? TRACEPARENT.exec(parent) : null;
  const traceId = match?.[1] ?? randomBytes(16).toString('hex');
  const flags = match?.[3] ?? '01';
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`;
}

export function traceIdOf(traceparent: string): string | undefined {
  return TRACEPARENT.exec(traceparent)?.[1];
}

/** Starts a trace context for an incoming request (reusing the caller's traceparent). */
export function startTrace(incomingTraceparent?: string, correlationId?: string): TraceContext {
  return { traceparent: childTraceparent(incomingTraceparent), correlationId: correlationId || randomUUID() };
}

/** Reads kafkajs headers (Buffer | string | arrays) as plain strings. */
export function headersToStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
    if (first === undefined || first === null) continue;
    if (Buffer.isBuffer(first)) out[name] = first.toString('utf8');
    else if (typeof first === 'string') out[name] = first;
  }
  return out;
}
