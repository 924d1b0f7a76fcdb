// `make demo`: against a running `make up`, places the seeds' scenarios one after another and
// prints each order's saga timeline as it unfolds, then what the other services did
// (payment, stock, notifications). Colours follow the terminal (NO_COLOR / FORCE_COLOR).
import { randomUUID } from 'node:crypto';
import { parseArgs, styleText } from 'node:util';
import { checkoutBody, shopClient, type CheckoutBody, type ShopClient } from '../test/system/shop-client.ts';

const urls = {
  order: process.env.ORDER_URL ?? 'http://127.0.0.1:8080',
  payment: process.env.PAYMENT_URL ?? 'http://127.0.0.1:8082',
  inventory: process.env.INVENTORY_URL ?? 'http://127.0.0.1:8083',
  notify: process.env.NOTIFY_URL ?? 'http://127.0.0.1:8084',
};
const SKU = 'DEMO-WIDGET';
const UNITS = 10;

type Style = Parameters<typeof styleText>[0];
const paint = (style: Style, text: string) => styleText(style, text, { stream: process.stdout });
const SOURCE_STYLE: Record<string, Style> = {
  order: 'cyan',
  payment: 'magenta',
  inventory: 'yellow',
  notify: 'blue',
};

type Scenario = { name: string; story: string; body: () => CheckoutBody; retryWithSameKey?: boolean };
const SCENARIOS: Scenario[] = [
  {
    name: 'happy-path',
    story: 'two widgets, a good card → CONFIRMED, stock sold, card charged, customer mailed',
    body: () => checkoutBody({ items: [{ sku: SKU, quantity: 2, unit_price_cents: 1999 }] }),
  },
  {
    name: 'out-of-stock',
    story: 'eleven widgets (10 in stock) → CANCELLED OUT_OF_STOCK, the charge refunded',
    body: () => checkoutBody({ items: [{ sku: SKU, quantity: 11, unit_price_cents: 1999 }] }),
  },
  {
    name: 'payment-declined',
    story: 'a total over $1,000 → CANCELLED PAYMENT_DECLINED, the reservation released',
    body: () => checkoutBody({ items: [{ sku: SKU, quantity: 1, unit_price_cents: 120_000 }] }),
  },
  {
    name: 'card-declined',
    story: 'the test token tok_declined → CANCELLED PAYMENT_DECLINED',
    body: () =>
      checkoutBody({
        items: [{ sku: SKU, quantity: 1, unit_price_cents: 1999 }],
        payment: { method: 'card', token: 'tok_declined' },
      }),
  },
  {
    name: 'unknown-sku',
    story: 'a SKU nobody sells → CANCELLED UNKNOWN_SKU',
    body: () => checkoutBody({ items: [{ sku: 'DEMO-NO-SUCH-THING', quantity: 1, unit_price_cents: 500 }] }),
  },
  {
    name: 'idempotent-retry',
    story: 'the client retries with the same Idempotency-Key → the same order, placed once',
    body: () => checkoutBody({ items: [{ sku: SKU, quantity: 1, unit_price_cents: 1999 }] }),
    retryWithSameKey: true,
  },
];

const { values } = parseArgs({ options: { scenario: { type: 'string', multiple: true } } });
const chosen = values.scenario ?? SCENARIOS.map((s) => s.name);
const unknownNames = chosen.filter((name) => !SCENARIOS.some((s) => s.name === name));
if (unknownNames.length) {
  process.stderr.write(
    `demo: unknown scenario ${unknownNames.join(', ')}; choose from ${SCENARIOS.map((s) => s.name).join(', ')}\n`,
  );
  process.exit(2);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function ensureRunning(): Promise<void> {
  for (const [service, url] of Object.entries(urls)) {
    const ready = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(3_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready) {
      process.stderr.write(`demo: ${service} is not ready at ${url} — start the system with \`make up\`\n`);
      process.exit(2);
    }
  }
}

/** Prints the timeline entries not printed yet, with their time since the checkout was sent. */
async function printNewEntries(shop: ShopClient, orderId: string, sentAt: number, printed: Set<string>) {
  for (const entry of await shop.timeline(orderId)) {
    if (printed.has(entry.event_id)) continue;
    printed.add(entry.event_id);
    const at = `+${String(Date.parse(entry.occurred_at) - sentAt).padStart(5)} ms`;
    const source = paint(SOURCE_STYLE[entry.source] ?? 'white', entry.source.padEnd(9));
    console.log(`   ${paint('dim', at)}  ${source} ${entry.event_type}`);
  }
}

/** Prints timeline entries as they appear, until the order is terminal; returns the order. */
async function followTimeline(shop: ShopClient, orderId: string, sentAt: number, printed: Set<string>) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    // The order first: once it is terminal, the timeline read after it holds the outcome too.
    const order = await shop.order(orderId);
    await printNewEntries(shop, orderId, sentAt, printed);
    if (order.status !== 'PENDING' || Date.now() > deadline) return order;
    await sleep(50);
  }
}

async function runScenario(shop: ShopClient, scenario: Scenario, number: number): Promise<boolean> {
  console.log(`\n${paint('bold', `${number}. ${scenario.name}`)} — ${scenario.story}`);
  const body = scenario.body();
  const key = `demo-${randomUUID()}`;
  const sentAt = Date.now();
  const first = await shop.placeCheckout(body, key);
  if (first.status !== 202) {
    console.log(paint('red', `   rejected: HTTP ${first.status} ${JSON.stringify(first.body)}`));
    return false;
  }
  const orderId = first.body.order_id as string;
  console.log(`   ${paint('dim', 'POST /create-checkout →')} 202 order ${orderId}`);
  if (scenario.retryWithSameKey) {
    const again = await shop.placeCheckout(body, key);
    const same = again.body.order_id === orderId;
    console.log(
      `   ${paint('dim', 'retry, same Idempotency-Key →')} ${again.status} order ${String(again.body.order_id)} ` +
        (same ? paint('green', '(the same order)') : paint('red', '(a different order!)')),
    );
    if (!same) return false;
  }
  const printed = new Set<string>();
  const order = await followTimeline(shop, orderId, sentAt, printed);
  const outcome =
    order.status === 'CONFIRMED'
      ? paint('green', 'CONFIRMED')
      : order.status === 'CANCELLED'
        ? paint('red', `CANCELLED ${order.status_reason ?? ''}`)
        : paint('yellow', `${order.status} (no outcome within 60 s)`);
  console.log(
    `   ${paint('bold', '→')} ${outcome}  total ${(order.total_cents / 100).toFixed(2)} ${order.currency}`,
  );

  await sleep(700); // compensations and notifications follow the outcome event
  await printNewEntries(shop, orderId, sentAt, printed);
  const payment = await shop.payment(orderId);
  const stock = await shop.stock(SKU);
  const notifications = await shop.notifications(orderId);
  console.log(
    `   ${paint('magenta', 'payment')}   ${payment ? `${payment.status}${payment.reason ? ` (${payment.reason})` : ''}` : 'never charged'}`,
  );
  console.log(
    `   ${paint('yellow', 'stock')}     ${SKU}: available ${stock.available}, reserved ${stock.reserved}, sold ${stock.sold}`,
  );
  for (const n of notifications)
    console.log(
      `   ${paint('blue', 'notify')}    ${n.kind} via ${n.channel} to ${n.recipient ?? '—'}: ${n.status}`,
    );
  return order.status !== 'PENDING';
}

await ensureRunning();
const shop = shopClient(urls);
await shop.setStock(SKU, UNITS, 1999);
console.log(paint('bold', `Demo against ${urls.order} — ${SKU} reset to ${UNITS} available units`));
let allTerminal = true;
for (const [index, scenario] of SCENARIOS.filter((s) => chosen.includes(s.name)).entries()) {
  allTerminal = (await runScenario(shop, scenario, index + 1)) && allTerminal;
}
console.log(`\n${paint('dim', 'Check the whole system against the contract with `make check`.')}`);
process.exit(allTerminal ? 0 : 1);
