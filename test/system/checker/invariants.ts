// The invariants of CONTRACT.md as a pure function of a snapshot of the four databases and
// the topics. No I/O here, so every rule is unit-tested on hand-made snapshots
// (invariants.test.ts); snapshot.ts reads the real thing.

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'CANCELLED';
export type StockLine = { sku: string; quantity: number };

export type OrderRow = {
  order_id: string;
  status: OrderStatus;
  status_reason: string | null;
  updated_at: Date;
};
export type PaymentRow = {
  order_id: string;
  /** CANCELLED_BEFORE_CHARGE is a tombstone: never charged. */
  status: 'CONFIRMED' | 'FAILED' | 'REFUNDED' | 'CANCELLED_BEFORE_CHARGE';
};
export type ReservationRow = {
  order_id: string;
  status: 'RESERVED' | 'SOLD' | 'RELEASED' | 'REJECTED' | 'CANCELLED_BEFORE_RESERVE';
  items: StockLine[];
};
export type StockRow = { sku: string; available: number; reserved: number; sold: number };
export type NotificationRow = {
  order_id: string;
  kind: 'ORDER_CONFIRMED' | 'ORDER_CANCELLED' | 'PURCHASE_ALERT';
  channel: string;
  status: 'SENT' | 'FAILED' | 'SKIPPED' | 'PENDING';
};
export type OutboxBacklog = { service: string; unpublished: number; failed: number };
/** One record read from a topic: just what the invariants need. */
export type TopicRecord = { topic: string; event_id: string; order_id: string };

export type Snapshot = {
  takenAt: Date;
  orders: OrderRow[];
  payments: PaymentRow[];
  /** Read in the same MySQL snapshot as `stock`, so the two always agree at one instant. */
  reservations: ReservationRow[];
  stock: StockRow[];
  notifications: NotificationRow[];
  outbox: OutboxBacklog[];
  /** Every record of the nine contract topics, or undefined when topics were not read. */
  records?: TopicRecord[];
};

export type CheckOptions = {
  /**
   * Orders updated less than this long before the snapshot are in flight: their
   * compensations may still be on the way, so the cross-service rules skip them. 0 after
   * quiescence (tests); the CLI's default lets a live system be checked.
   */
  inFlightGraceMs?: number;
  /** Order ids a client got 202 for: each must exist (nothing accepted is lost). */
  acceptedOrderIds?: Iterable<string>;
  /** Units per SKU before the run: available + reserved + sold must still add up to it. */
  initialStock?: Record<string, number>;
};

export type Violation = { invariant: InvariantName; message: string; orderIds: string[] };

export const INVARIANTS = {
  'accepted-order-lost': 'every order that got a 202 exists',
  'order-not-terminal': 'every accepted order reaches CONFIRMED or CANCELLED',
  'confirmed-without-charge': 'CONFIRMED ⇒ payment confirmed and not refunded',
  'confirmed-without-sale': 'CONFIRMED ⇒ stock sold',
  'charge-without-confirmation': 'payment confirmed and not refunded ⇒ CONFIRMED',
  'sale-without-confirmation': 'stock sold ⇒ CONFIRMED',
  'cancelled-stock-held': 'CANCELLED ⇒ no stock held',
  'orphan-participant-state': 'payments and reservations belong to known orders',
  'stock-counters': 'reserved and sold equal the sums of RESERVED and SOLD reservations',
  'stock-conservation': 'for every SKU: initial = available + reserved + sold, available ≥ 0',
  'outbox-unpublished': 'no outbox row stays unpublished',
  'notification-count': 'exactly one customer notification per outcome, one purchase alert per charge',
  'notification-undelivered': 'every notification is delivered (SENT or SKIPPED)',
  'event-applied-twice': 'no saga step is emitted twice for one order (distinct event ids)',
  'event-missing': 'every order has its order.created and its outcome event on the topics',
} as const;
export type InvariantName = keyof typeof INVARIANTS;

export type CheckStats = {
  orders: Record<OrderStatus, number>;
  inFlightSkipped: number;
  recordsRead: number | undefined;
  /** Records whose event id was already seen: at-least-once redeliveries, harmless. */
  redeliveredRecords: number | undefined;
};

export type CheckResult = { violations: Violation[]; stats: CheckStats };

/** Evaluates every invariant of CONTRACT.md on `snapshot`. */
export function checkInvariants(snapshot: Snapshot, options: CheckOptions = {}): CheckResult {
  const graceMs = options.inFlightGraceMs ?? 0;
  const violations: Violation[] = [];
  const report = (invariant: InvariantName, message: string, orderIds: string[] = []) =>
    violations.push({ invariant, message, orderIds });

  const orders = new Map(snapshot.orders.map((o) => [o.order_id, o]));
  const payments = new Map(snapshot.payments.map((p) => [p.order_id, p]));
  const reservations = new Map(snapshot.reservations.map((r) => [r.order_id, r]));
  const settled = (order: OrderRow) => snapshot.takenAt.getTime() - order.updated_at.getTime() >= graceMs;

  const lost = [...(options.acceptedOrderIds ?? [])].filter((id) => !orders.has(id));
  if (lost.length)
    report('accepted-order-lost', `${lost.length} accepted order(s) not in the orders database`, lost);

  const stats: CheckStats = {
    orders: { PENDING: 0, CONFIRMED: 0, CANCELLED: 0 },
    inFlightSkipped: 0,
    recordsRead: snapshot.records?.length,
    redeliveredRecords: undefined,
  };
  const byRule = new Map<InvariantName, string[]>();
  const flag = (rule: InvariantName, orderId: string) => {
    const ids = byRule.get(rule) ?? [];
    ids.push(orderId);
    byRule.set(rule, ids);
  };

  for (const order of snapshot.orders) {
    stats.orders[order.status] += 1;
    if (!settled(order)) {
      stats.inFlightSkipped += 1;
      continue;
    }
    const payment = payments.get(order.order_id)?.status;
    const reservation = reservations.get(order.order_id)?.status;
    const charged = payment === 'CONFIRMED';
    const stockHeld = reservation === 'RESERVED' || reservation === 'SOLD';
    if (order.status === 'PENDING') flag('order-not-terminal', order.order_id);
    if (order.status === 'CONFIRMED') {
      if (!charged) flag('confirmed-without-charge', order.order_id);
      if (reservation !== 'SOLD') flag('confirmed-without-sale', order.order_id);
    } else {
      if (charged && order.status === 'CANCELLED') flag('charge-without-confirmation', order.order_id);
      if (reservation === 'SOLD') flag('sale-without-confirmation', order.order_id);
      if (stockHeld && order.status === 'CANCELLED') flag('cancelled-stock-held', order.order_id);
    }
  }
  const orphans = [
    ...snapshot.payments.filter((p) => !orders.has(p.order_id)),
    ...snapshot.reservations.filter((r) => !orders.has(r.order_id)),
  ].map((row) => row.order_id);
  for (const id of orphans) flag('orphan-participant-state', id);

  checkNotifications(snapshot, orders, payments, settled, flag);
  for (const [rule, ids] of byRule) {
    const unique = [...new Set(ids)];
    report(rule, `${unique.length} order(s) break "${INVARIANTS[rule]}"`, unique);
  }

  checkStock(snapshot, options.initialStock, report);
  for (const backlog of snapshot.outbox) {
    if (backlog.unpublished > 0 || backlog.failed > 0)
      report(
        'outbox-unpublished',
        `${backlog.service}: ${backlog.unpublished} outbox row(s) unpublished, ${backlog.failed} failed`,
      );
  }
  if (snapshot.records) {
    stats.redeliveredRecords = checkRecords(snapshot.records, snapshot.orders, settled, report);
  }
  return { violations, stats };
}

/** Σ quantity per SKU of the reservations in `status`. */
function unitsBySku(reservations: ReservationRow[], status: ReservationRow['status']): Map<string, number> {
  const units = new Map<string, number>();
  for (const reservation of reservations) {
    if (reservation.status !== status) continue;
    for (const line of reservation.items) units.set(line.sku, (units.get(line.sku) ?? 0) + line.quantity);
  }
  return units;
}

function checkStock(
  snapshot: Snapshot,
  initialStock: Record<string, number> | undefined,
  report: (invariant: InvariantName, message: string) => void,
): void {
  const reserved = unitsBySku(snapshot.reservations, 'RESERVED');
  const sold = unitsBySku(snapshot.reservations, 'SOLD');
  const stock = new Map(snapshot.stock.map((row) => [row.sku, row]));
  for (const sku of new Set([...reserved.keys(), ...sold.keys()])) {
    if (!stock.has(sku))
      report('stock-counters', `${sku}: reservations hold units of a SKU with no stock row`);
  }
  for (const row of snapshot.stock) {
    const expectReserved = reserved.get(row.sku) ?? 0;
    const expectSold = sold.get(row.sku) ?? 0;
    if (row.reserved !== expectReserved || row.sold !== expectSold)
      report(
        'stock-counters',
        `${row.sku}: reserved ${row.reserved} / sold ${row.sold}, reservations say ${expectReserved} / ${expectSold}`,
      );
    if (row.available < 0) report('stock-conservation', `${row.sku}: available ${row.available} < 0`);
    const initial = initialStock?.[row.sku];
    const total = row.available + row.reserved + row.sold;
    if (initial !== undefined && total !== initial)
      report(
        'stock-conservation',
        `${row.sku}: available ${row.available} + reserved ${row.reserved} + sold ${row.sold} = ${total}, initial was ${initial}`,
      );
  }
}

function checkNotifications(
  snapshot: Snapshot,
  orders: Map<string, OrderRow>,
  payments: Map<string, PaymentRow>,
  settled: (order: OrderRow) => boolean,
  flag: (rule: InvariantName, orderId: string) => void,
): void {
  // Judged per channel the order was notified on: a channel switched on later has no rows
  // for older orders, which is not a breach. An order with no row at all is one.
  const channelsOf = new Map<string, Set<string>>();
  const kinds = new Map<string, NotificationRow['kind'][]>();
  for (const row of snapshot.notifications) {
    channelsOf.set(row.order_id, (channelsOf.get(row.order_id) ?? new Set()).add(row.channel));
    const key = `${row.order_id}\u0000${row.channel}`;
    kinds.set(key, [...(kinds.get(key) ?? []), row.kind]);
    const order = orders.get(row.order_id);
    const delivered = row.status === 'SENT' || row.status === 'SKIPPED';
    if (!delivered && (!order || settled(order))) flag('notification-undelivered', row.order_id);
  }
  for (const order of orders.values()) {
    if (!settled(order)) continue;
    // A payment that was ever confirmed (still CONFIRMED, or REFUNDED since) had its alert.
    const wasCharged = ['CONFIRMED', 'REFUNDED'].includes(payments.get(order.order_id)?.status ?? '');
    const expected: NotificationRow['kind'][] = [];
    if (order.status === 'CONFIRMED') expected.push('ORDER_CONFIRMED');
    if (order.status === 'CANCELLED') expected.push('ORDER_CANCELLED');
    if (wasCharged) expected.push('PURCHASE_ALERT');
    const channels = channelsOf.get(order.order_id) ?? new Set<string>();
    if (channels.size === 0 && expected.length > 0) flag('notification-count', order.order_id);
    for (const channel of channels) {
      const got = (kinds.get(`${order.order_id}\u0000${channel}`) ?? []).toSorted();
      if (got.join() !== expected.toSorted().join()) flag('notification-count', order.order_id);
    }
  }
}

/** Saga steps an order may see at most once, as sets of mutually exclusive topics. */
const AT_MOST_ONCE_PER_ORDER: string[][] = [
  ['order.created'],
  ['order.confirmed', 'order.cancelled'],
  ['payment.confirmed', 'payment.failed'],
  ['payment.refunded'],
  ['stock.reserved', 'stock.rejected'],
  ['stock.released'],
];

/** Topic-level rules; returns how many records were redeliveries of an event already seen. */
function checkRecords(
  records: TopicRecord[],
  orders: OrderRow[],
  settled: (order: OrderRow) => boolean,
  report: (invariant: InvariantName, message: string, orderIds: string[]) => void,
): number {
  const eventIds = new Map<string, Set<string>>(); // `${order}\0${step}` → distinct event ids
  const seen = new Set<string>();
  let redelivered = 0;
  for (const record of records) {
    if (seen.has(record.event_id)) {
      redelivered += 1;
      continue;
    }
    seen.add(record.event_id);
    const step = AT_MOST_ONCE_PER_ORDER.findIndex((topics) => topics.includes(record.topic));
    if (step < 0) continue;
    const key = `${record.order_id}\u0000${step}`;
    const ids = eventIds.get(key) ?? new Set<string>();
    ids.add(record.event_id);
    eventIds.set(key, ids);
  }
  const twice = new Set<string>();
  for (const [key, ids] of eventIds) if (ids.size > 1) twice.add(key.split('\u0000')[0]!);
  if (twice.size)
    report('event-applied-twice', `${twice.size} order(s) have a saga step emitted twice`, [...twice]);

  const topicsOf = new Map<string, Set<string>>();
  for (const record of records) {
    const topics = topicsOf.get(record.order_id) ?? new Set<string>();
    topics.add(record.topic);
    topicsOf.set(record.order_id, topics);
  }
  const missing: string[] = [];
  for (const order of orders) {
    if (!settled(order)) continue;
    const topics = topicsOf.get(order.order_id) ?? new Set<string>();
    const outcome =
      order.status === 'CONFIRMED'
        ? 'order.confirmed'
        : order.status === 'CANCELLED'
          ? 'order.cancelled'
          : null;
    if (!topics.has('order.created') || (outcome && !topics.has(outcome))) missing.push(order.order_id);
  }
  if (missing.length)
    report('event-missing', `${missing.length} order(s) lack order.created or their outcome event`, missing);
  return redelivered;
}
