// The event contract in TypeScript: one hand-written type per topic, plus a runtime
// description of each Avro record (EVENT_SCHEMAS). The description is tied to the types by
// `satisfies`, and events.test.ts ties it to schemas/*.avsc, so a field can only change in
// all three places at once.

export const TOPICS = [
  'order.created',
  'order.confirmed',
  'order.cancelled',
  'payment.confirmed',
  'payment.failed',
  'payment.refunded',
  'stock.reserved',
  'stock.rejected',
  'stock.released',
] as const;

export type Topic = (typeof TOPICS)[number];

/** Whether a string names one of the contract's topics. */
export function isTopic(value: string): value is Topic {
  return (TOPICS as readonly string[]).includes(value);
}

/** Dead-letter topics are `<topic>.dlq`. */
export const DLQ_SUFFIX = '.dlq';

/** The dead-letter topic for records consumed from `topic`. */
export function dlqTopic(topic: string): string {
  return `${topic}${DLQ_SUFFIX}`;
}

// Enum symbols are declared once, as values, so the union types and the schema description
// cannot disagree. Order matters: Avro writes the symbol's index.
export const PAYMENT_FAILURE_REASONS = [
  'UNKNOWN',
  'AMOUNT_LIMIT_EXCEEDED',
  'CARD_DECLINED',
  'PROVIDER_DECLINED',
] as const;
export type PaymentFailureReason = (typeof PAYMENT_FAILURE_REASONS)[number];

export const STOCK_REJECTION_REASONS = ['UNKNOWN', 'OUT_OF_STOCK', 'UNKNOWN_SKU'] as const;
export type StockRejectionReason = (typeof STOCK_REJECTION_REASONS)[number];

export const ORDER_CANCELLATION_REASONS = [
  'UNKNOWN',
  'PAYMENT_DECLINED',
  'OUT_OF_STOCK',
  'UNKNOWN_SKU',
  'TIMEOUT',
] as const;
export type OrderCancellationReason = (typeof ORDER_CANCELLATION_REASONS)[number];

/** Fields every event starts with. `occurred_at` is epoch milliseconds. */
export type EventEnvelope<T extends Topic> = {
  event_id: string;
  event_type: T;
  occurred_at: number;
  order_id: string;
  correlation_id: string;
};

export type OrderItem = { sku: string; quantity: number; unit_price_cents: number };
export type StockLine = { sku: string; quantity: number };

export type OrderCreated = EventEnvelope<'order.created'> & {
  customer_id: string;
  customer_email: string | null;
  currency: string;
  items: OrderItem[];
  total_cents: number;
  payment_method: string | null;
  payment_token: string | null;
};

export type OrderConfirmed = EventEnvelope<'order.confirmed'> & {
  customer_id: string;
  customer_email: string | null;
  total_cents: number;
  currency: string;
  payment_id: string | null;
};

export type OrderCancelled = EventEnvelope<'order.cancelled'> & {
  customer_id: string;
  customer_email: string | null;
  total_cents: number;
  currency: string;
  reason: OrderCancellationReason;
};

export type PaymentConfirmed = EventEnvelope<'payment.confirmed'> & {
  payment_id: string;
  amount_cents: number;
  currency: string;
};

export type PaymentFailed = EventEnvelope<'payment.failed'> & {
  payment_id: string | null;
  amount_cents: number;
  currency: string;
  reason: PaymentFailureReason;
};

export type PaymentRefunded = EventEnvelope<'payment.refunded'> & {
  payment_id: string;
  amount_cents: number;
  currency: string;
};

export type StockReserved = EventEnvelope<'stock.reserved'> & { items: StockLine[] };

export type StockRejected = EventEnvelope<'stock.rejected'> & {
  reason: StockRejectionReason;
  skus: string[];
};

export type StockReleased = EventEnvelope<'stock.released'> & { items: StockLine[] };

export type EventByTopic = {
  'order.created': OrderCreated;
  'order.confirmed': OrderConfirmed;
  'order.cancelled': OrderCancelled;
  'payment.confirmed': PaymentConfirmed;
  'payment.failed': PaymentFailed;
  'payment.refunded': PaymentRefunded;
  'stock.reserved': StockReserved;
  'stock.rejected': StockRejected;
  'stock.released': StockReleased;
};

/** Any event; `event_type` discriminates. */
export type AnyEvent = EventByTopic[Topic];

// ---------------------------------------------------------------------------------------
// Runtime description of the Avro records. SpecFor<V> admits only the specs that can carry
// a V, so a field added, removed, renamed or retyped in a TS type without the matching
// change here (or the reverse) fails type-checking.

export type StringSpec = { readonly type: 'string'; readonly logicalType?: 'uuid' };
/** A string field whose value is always `value` (event_type). */
export type ConstStringSpec<V extends string> = { readonly type: 'string'; readonly const: V };
export type IntSpec = { readonly type: 'int' };
export type LongSpec = { readonly type: 'long'; readonly logicalType?: 'timestamp-millis' };
/** `["null", X]` with default null. */
export type NullableSpec<S> = { readonly type: 'nullable'; readonly of: S };
export type EnumSpec<V extends string> = {
  readonly type: 'enum';
  readonly name: string;
  readonly symbols: readonly V[];
  readonly default: V;
};
export type ArraySpec<S> = { readonly type: 'array'; readonly items: S };
export type RecordSpec<V> = { readonly type: 'record'; readonly name: string; readonly fields: FieldsOf<V> };

export type FieldsOf<V> = { readonly [K in keyof V]-?: SpecFor<V[K]> };

export type SpecFor<V> = null extends V
  ? NullableSpec<SpecFor<Exclude<V, null>>>
  : [V] extends [number]
    ? IntSpec | LongSpec
    : [V] extends [string]
      ? string extends V
        ? StringSpec
        : EnumSpec<V> | ConstStringSpec<V>
      : [V] extends [readonly (infer I)[]]
        ? ArraySpec<SpecFor<I>>
        : [V] extends [object]
          ? RecordSpec<V>
          : never;

/** Any field description, for code that walks EVENT_SCHEMAS without knowing the topic. */
export type AnyFieldSpec =
  | StringSpec
  | ConstStringSpec<string>
  | IntSpec
  | LongSpec
  | AnyNullableSpec
  | EnumSpec<string>
  | AnyArraySpec
  | AnyRecordSpec;
// Interfaces, not aliases: only they may refer to AnyFieldSpec recursively.
export interface AnyNullableSpec {
  readonly type: 'nullable';
  readonly of: AnyFieldSpec;
}
export interface AnyArraySpec {
  readonly type: 'array';
  readonly items: AnyFieldSpec;
}
export interface AnyRecordSpec {
  readonly type: 'record';
  readonly name: string;
  readonly fields: Readonly<Record<string, AnyFieldSpec>>;
}

const string = { type: 'string' } as const;
const int = { type: 'int' } as const;
const long = { type: 'long' } as const;
const nullableString = { type: 'nullable', of: string } as const;

// Checked against each concrete event type where it is spread into EVENT_SCHEMAS.
function envelope<T extends Topic>(topic: T) {
  return {
    event_id: { type: 'string', logicalType: 'uuid' },
    event_type: { type: 'string', const: topic },
    occurred_at: { type: 'long', logicalType: 'timestamp-millis' },
    order_id: string,
    correlation_id: string,
  } as const;
}

const stockLine = {
  type: 'record',
  name: 'StockLine',
  fields: { sku: string, quantity: int },
} as const satisfies RecordSpec<StockLine>;

/** The Avro record behind each topic, field by field in schema order. */
export const EVENT_SCHEMAS = {
  'order.created': {
    type: 'record',
    name: 'OrderCreated',
    fields: {
      ...envelope('order.created'),
      customer_id: string,
      customer_email: nullableString,
      currency: string,
      items: {
        type: 'array',
        items: {
          type: 'record',
          name: 'OrderItem',
          fields: { sku: string, quantity: int, unit_price_cents: long },
        },
      },
      total_cents: long,
      payment_method: nullableString,
      payment_token: nullableString,
    },
  },
  'order.confirmed': {
    type: 'record',
    name: 'OrderConfirmed',
    fields: {
      ...envelope('order.confirmed'),
      customer_id: string,
      customer_email: nullableString,
      total_cents: long,
      currency: string,
      payment_id: nullableString,
    },
  },
  'order.cancelled': {
    type: 'record',
    name: 'OrderCancelled',
    fields: {
      ...envelope('order.cancelled'),
      customer_id: string,
      customer_email: nullableString,
      total_cents: long,
      currency: string,
      reason: {
        type: 'enum',
        name: 'OrderCancellationReason',
        symbols: ORDER_CANCELLATION_REASONS,
        default: 'UNKNOWN',
      },
    },
  },
  'payment.confirmed': {
    type: 'record',
    name: 'PaymentConfirmed',
    fields: { ...envelope('payment.confirmed'), payment_id: string, amount_cents: long, currency: string },
  },
  'payment.failed': {
    type: 'record',
    name: 'PaymentFailed',
    fields: {
      ...envelope('payment.failed'),
      payment_id: nullableString,
      amount_cents: long,
      currency: string,
      reason: {
        type: 'enum',
        name: 'PaymentFailureReason',
        symbols: PAYMENT_FAILURE_REASONS,
        default: 'UNKNOWN',
      },
    },
  },
  'payment.refunded': {
    type: 'record',
    name: 'PaymentRefunded',
    fields: { ...envelope('payment.refunded'), payment_id: string, amount_cents: long, currency: string },
  },
  'stock.reserved': {
    type: 'record',
    name: 'StockReserved',
    fields: { ...envelope('stock.reserved'), items: { type: 'array', items: stockLine } },
  },
  'stock.rejected': {
    type: 'record',
    name: 'StockRejected',
    fields: {
      ...envelope('stock.rejected'),
      reason: {
        type: 'enum',
        name: 'StockRejectionReason',
        symbols: STOCK_REJECTION_REASONS,
        default: 'UNKNOWN',
      },
      skus: { type: 'array', items: string },
    },
  },
  'stock.released': {
    type: 'record',
    name: 'StockReleased',
    fields: { ...envelope('stock.released'), items: { type: 'array', items: stockLine } },
  },
} as const satisfies { readonly [T in Topic]: RecordSpec<EventByTopic[T]> };

/** EVENT_SCHEMAS[topic] widened to the walkable shape. */
export function eventSchema(topic: Topic): AnyRecordSpec {
  return EVENT_SCHEMAS[topic];
}
