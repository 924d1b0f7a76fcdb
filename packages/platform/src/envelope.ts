// Builds the common envelope of an event. Ids and time come from the caller, so domain code
// stays deterministic and testable.
import type { EventEnvelope, Topic } from './events.ts';

export type EnvelopeInput = { eventId: string; occurredAt: Date; orderId: string; correlationId: string };

export function envelope<T extends Topic>(topic: T, input: EnvelopeInput): EventEnvelope<T> {
  return {
    event_id: input.eventId,
    event_type: topic,
    occurred_at: input.occurredAt.getTime(),
    order_id: input.orderId,
    correlation_id: input.correlationId,
  };
}
