// What a notification is and how one is planned, rendered and retried. Pure: ids, time and
// randomness come in as arguments.

export const NOTIFICATION_KINDS = ['ORDER_CONFIRMED', 'ORDER_CANCELLED', 'PURCHASE_ALERT'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const CHANNELS = ['log', 'smtp', 'webhook'] as const;
export type ChannelName = (typeof CHANNELS)[number];

export type NotificationStatus = 'PENDING' | 'SENT' | 'FAILED' | 'SKIPPED';

/** A notification as stored and as handed to a channel. */
export type Notification = {
  notification_id: string;
  order_id: string;
  kind: NotificationKind;
  channel: ChannelName;
  recipient: string | null;
  subject: string;
  body: string;
  status: NotificationStatus;
  attempts: number;
  next_attempt_at: Date;
  created_at: Date;
};

/** The facts of an outcome event a template may use. */
export type OutcomeFacts =
  | {
      kind: 'ORDER_CONFIRMED';
      order_id: string;
      customer_email: string | null;
      total_cents: number;
      currency: string;
    }
  | {
      kind: 'ORDER_CANCELLED';
      order_id: string;
      customer_email: string | null;
      total_cents: number;
      currency: string;
      reason: string;
    }
  | {
      kind: 'PURCHASE_ALERT';
      order_id: string;
      payment_id: string;
      amount_cents: number;
      currency: string;
    };

const CANCELLATION_TEXT: Record<string, string> = {
  PAYMENT_DECLINED: 'your payment was declined',
  OUT_OF_STOCK: 'an item is out of stock',
  UNKNOWN_SKU: 'an item is not in our catalog',
  TIMEOUT: 'we could not complete it in time',
};

/** Formats minor units in the currency's own number of decimals (JPY has none, USD two). */
export function formatMoney(minorUnits: number, currency: string): string {
  const money = moneyFormat(currency);
  if (!money) return `${(minorUnits / 100).toFixed(2)} ${currency}`;
  return money.format.format(minorUnits / 10 ** money.digits);
}

type MoneyFormat = { format: Intl.NumberFormat; digits: number };
// Building an Intl.NumberFormat costs far more than formatting with one (it was ~10 % of the
// notify service's CPU): one per currency, built on first use. Pure: same input, same output.
const moneyFormats = new Map<string, MoneyFormat | null>();

function moneyFormat(currency: string): MoneyFormat | null {
  let money = moneyFormats.get(currency);
  if (money === undefined) {
    try {
      const format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
      money = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    } catch {
      money = null; // not a currency Intl knows
    }
    // Unknown codes are not kept: a stream of bogus ones must not grow the map without bound.
    if (money || moneyFormats.size < 1000) moneyFormats.set(currency, money);
  }
  return money;
}

/** Subject and body of a notification for an outcome. */
export function renderNotification(facts: OutcomeFacts): { subject: string; body: string } {
  switch (facts.kind) {
    case 'ORDER_CONFIRMED':
      return {
        subject: `Your order ${facts.order_id} is confirmed`,
        body:
          `Thank you for your order.\n\n` +
          `Order ${facts.order_id} is confirmed: we charged ${formatMoney(facts.total_cents, facts.currency)} ` +
          `and are preparing it for shipping.\n`,
      };
    case 'ORDER_CANCELLED': {
      const why = CANCELLATION_TEXT[facts.reason] ?? `reason: ${facts.reason}`;
      return {
        subject: `Your order ${facts.order_id} was cancelled`,
        body:
          `We are sorry: order ${facts.order_id} (${formatMoney(facts.total_cents, facts.currency)}) ` +
          `was cancelled because ${why}.\nYou have not been charged; any charge has been refunded.\n`,
      };
    }
    case 'PURCHASE_ALERT':
      return {
        subject: `Purchase: ${formatMoney(facts.amount_cents, facts.currency)} for order ${facts.order_id}`,
        body:
          `Payment ${facts.payment_id} confirmed ${formatMoney(facts.amount_cents, facts.currency)} ` +
          `for order ${facts.order_id}.\n`,
      };
  }
}

function recipientOf(facts: OutcomeFacts, alertRecipient: string): string | null {
  return facts.kind === 'PURCHASE_ALERT' ? alertRecipient : facts.customer_email;
}

/** The notifications an outcome asks for: one per channel; no recipient → SKIPPED. */
export function planNotifications(input: {
  facts: OutcomeFacts;
  channels: readonly ChannelName[];
  alertRecipient: string;
  now: Date;
  newId: () => string;
}): Notification[] {
  const { facts, now } = input;
  const recipient = recipientOf(facts, input.alertRecipient);
  const { subject, body } = renderNotification(facts);
  return input.channels.map((channel) => ({
    notification_id: input.newId(),
    order_id: facts.order_id,
    kind: facts.kind,
    channel,
    recipient,
    subject,
    body,
    status: recipient ? 'PENDING' : 'SKIPPED',
    attempts: 0,
    next_attempt_at: now,
    created_at: now,
  }));
}

/** Upper bound of one retry delay, whatever the attempt count. */
export const MAX_RETRY_DELAY_MS = 10 * 60_000;

/** What to record after a failed attempt: retry later (exponential backoff, ±20% jitter) or give up. */
export function afterFailure(input: {
  attemptsBefore: number;
  maxAttempts: number;
  baseDelayMs: number;
  now: Date;
  random: number;
}): { status: 'PENDING'; attempts: number; next_attempt_at: Date } | { status: 'FAILED'; attempts: number } {
  const attempts = input.attemptsBefore + 1;
  if (attempts >= input.maxAttempts) return { status: 'FAILED', attempts };
  const exponential = Math.min(input.baseDelayMs * 2 ** input.attemptsBefore, MAX_RETRY_DELAY_MS);
  const delay = Math.round(exponential * (0.8 + 0.4 * input.random));
  return { status: 'PENDING', attempts, next_attempt_at: new Date(input.now.getTime() + delay) };
}
