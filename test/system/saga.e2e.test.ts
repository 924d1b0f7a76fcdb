// The whole saga end to end: the four services as real processes (as `make up` runs them)
// on the real Kafka, registry, MariaDB and Redis, driven only through HTTP and Kafka, then
// judged by the consistency checker. Notify sends over its webhook channel to a receiver
// here, so "one mail, one alert" counts real deliveries.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testInfra, uniqueName } from '../support/isolation.ts';
import { checkConsistency, formatReport, waitForQuiescence } from './checker/index.ts';
import { startSystem, type RunningSystem } from './system-processes.ts';
import { checkoutBody, shopClient, type CheckoutBody, type ShopClient } from './shop-client.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';
import { eventually } from '../support/isolation.ts';

const SYSTEM_TIMEOUT_MS = 180_000;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function startObservedSystem(webhook: WebhookReceiver, instances = 1): Promise<RunningSystem> {
  return startSystem({
    name: uniqueName('e2e'),
    infra: testInfra(),
    instances: { order: instances, payment: instances, inventory: instances, notify: instances },
    env: {
      notify: { NOTIFY_CHANNELS: 'log,webhook', WEBHOOK_URL: webhook.url, WEBHOOK_SECRET: webhook.secret },
    },
  });
}

/** Asserts the checker finds nothing, printing its report when it does. */
async function expectConsistent(system: RunningSystem, accepted: string[]): Promise<void> {
  await waitForQuiescence(system.target, { timeoutMs: 90_000 });
  const report = await checkConsistency(system.target, { acceptedOrderIds: accepted });
  expect(report.violations, formatReport(report)).toEqual([]);
}

/** Deterministic scenarios (each order on its own SKU, so none depends on another). */
const SCENARIOS: { name: string; body: (sku: string) => CheckoutBody; expect: [string, string | null] }[] = [
  {
    name: 'happy',
    body: (sku) => checkoutBody({ items: [{ sku, quantity: 2, unit_price_cents: 1999 }] }),
    expect: ['CONFIRMED', null],
  },
  {
    name: 'over $1,000',
    body: (sku) => checkoutBody({ items: [{ sku, quantity: 1, unit_price_cents: 150_000 }] }),
    expect: ['CANCELLED', 'PAYMENT_DECLINED'],
  },
  {
    name: 'quantity 11',
    body: (sku) => checkoutBody({ items: [{ sku, quantity: 11, unit_price_cents: 100 }] }),
    expect: ['CANCELLED', 'OUT_OF_STOCK'],
  },
  {
    name: 'unknown SKU',
    body: (sku) => checkoutBody({ items: [{ sku: `${sku}-NOPE`, quantity: 1, unit_price_cents: 100 }] }),
    expect: ['CANCELLED', 'UNKNOWN_SKU'],
  },
  {
    name: 'declined card',
    body: (sku) =>
      checkoutBody({
        items: [{ sku, quantity: 1, unit_price_cents: 100 }],
        payment: { method: 'card', token: 'tok_declined' },
      }),
    expect: ['CANCELLED', 'PAYMENT_DECLINED'],
  },
];

/** Places every scenario `rounds` times (spread over `clients`) and returns "scenario → outcomes". */
async function runScenarioBatch(
  clients: ShopClient[],
  rounds: number,
): Promise<{ outcomes: Record<string, string[]>; orderIds: string[] }> {
  const outcomes: Record<string, string[]> = {};
  const orderIds: string[] = [];
  const placed = await Promise.all(
    Array.from({ length: rounds * SCENARIOS.length }, async (_, n) => {
      const scenario = SCENARIOS[n % SCENARIOS.length]!;
      const client = clients[n % clients.length]!;
      const sku = `BATCH-${n}`;
      await client.setStock(sku, 10);
      return { scenario, client, orderId: await client.placeAccepted(scenario.body(sku)) };
    }),
  );
  for (const { scenario, client, orderId } of placed) {
    const order = await client.terminal(orderId);
    orderIds.push(orderId);
    (outcomes[scenario.name] ??= []).push(`${order.status}/${order.status_reason}`);
  }
  return { outcomes, orderIds };
}

const expectedOutcomes = (rounds: number) =>
  Object.fromEntries(
    SCENARIOS.map((s) => [s.name, Array<string>(rounds).fill(`${s.expect[0]}/${s.expect[1]}`)]),
  );

describe('the saga end to end, one process per service', () => {
  let webhook: WebhookReceiver;
  let system: RunningSystem;
  let shop: ShopClient;
  const accepted: string[] = [];

  beforeAll(async () => {
    webhook = await startWebhookReceiver();
    system = await startObservedSystem(webhook);
    shop = shopClient({
      order: system.url('order'),
      payment: system.url('payment'),
      inventory: system.url('inventory'),
      notify: system.url('notify'),
    });
  }, SYSTEM_TIMEOUT_MS);

  afterAll(async () => {
    await system?.stop({ dropDatabases: true });
    await webhook?.close();
  }, 60_000);

  it('happy path: CONFIRMED, stock sold, payment confirmed, one customer mail and one purchase alert', async () => {
    await shop.setStock('E2E-HAPPY', 10, 1999);
    const orderId = await shop.placeAccepted(
      checkoutBody({ items: [{ sku: 'E2E-HAPPY', quantity: 2, unit_price_cents: 1999 }] }),
    );
    accepted.push(orderId);
    const order = await shop.terminal(orderId);
    expect([order.status, order.status_reason]).toEqual(['CONFIRMED', null]);
    expect(order.total_cents).toBe(3998);

    await eventually(async () => (await shop.stock('E2E-HAPPY')).sold === 2, {
      what: 'the sale',
      timeoutMs: 30_000,
    });
    expect(await shop.stock('E2E-HAPPY')).toMatchObject({ available: 8, reserved: 0, sold: 2 });
    expect(await shop.payment(orderId)).toMatchObject({
      status: 'CONFIRMED',
      amount_cents: 3998,
      payment_id: order.payment_id,
    });

    const deliveries = await eventually(
      async () => webhook.forOrder(orderId).length >= 2 && webhook.forOrder(orderId),
      {
        what: 'the mail and the alert',
        timeoutMs: 30_000,
      },
    );
    expect(deliveries.map((d) => [d.kind, d.recipient]).toSorted()).toEqual([
      ['ORDER_CONFIRMED', 'ana@example.com'],
      ['PURCHASE_ALERT', 'sales@commerce.local'],
    ]);
    const timeline = (await shop.timeline(orderId)).map((e) => e.event_type);
    expect(timeline[0]).toBe('order.created');
    expect(timeline.toSorted()).toEqual([
      'order.confirmed',
      'order.created',
      'payment.confirmed',
      'stock.reserved',
    ]);
    expect(timeline.at(-1)).toBe('order.confirmed');
  }, 90_000);

  it('total over $1,000: CANCELLED PAYMENT_DECLINED and the reservation released', async () => {
    await shop.setStock('E2E-PRICEY', 10, 150_000);
    const orderId = await shop.placeAccepted(
      checkoutBody({ items: [{ sku: 'E2E-PRICEY', quantity: 1, unit_price_cents: 150_000 }] }),
    );
    accepted.push(orderId);
    const order = await shop.terminal(orderId);
    expect([order.status, order.status_reason]).toEqual(['CANCELLED', 'PAYMENT_DECLINED']);
    expect(await shop.payment(orderId)).toMatchObject({ status: 'FAILED' });
    // Whether inventory reserved before the decline or not, nothing stays held.
    await eventually(
      async () => {
        const stock = await shop.stock('E2E-PRICEY');
        return stock.available === 10 && stock.reserved === 0 && stock.sold === 0;
      },
      { what: 'the released reservation', timeoutMs: 30_000 },
    );
    await eventually(async () => webhook.forOrder(orderId).some((d) => d.kind === 'ORDER_CANCELLED'), {
      what: 'the cancellation mail',
      timeoutMs: 30_000,
    });
  }, 90_000);

  it('quantity over 10: CANCELLED OUT_OF_STOCK and the payment refunded (or never charged)', async () => {
    const orderId = await shop.placeAccepted(
      checkoutBody({ items: [{ sku: 'SKU-003', quantity: 11, unit_price_cents: 100 }] }),
    );
    accepted.push(orderId);
    const order = await shop.terminal(orderId);
    expect([order.status, order.status_reason]).toEqual(['CANCELLED', 'OUT_OF_STOCK']);
    const payment = await eventually(
      async () => {
        const p = await shop.payment(orderId);
        return p === undefined || p.status === 'REFUNDED' ? { settled: p } : false;
      },
      { what: 'the refund', timeoutMs: 30_000 },
    );
    expect(payment.settled?.status ?? 'NEVER_CHARGED').toMatch(/^(REFUNDED|NEVER_CHARGED)$/);
    expect(await shop.stock('SKU-003')).toMatchObject({ available: 10, reserved: 0, sold: 0 });
  }, 90_000);

  it('unknown SKU: CANCELLED UNKNOWN_SKU', async () => {
    const orderId = await shop.placeAccepted(
      checkoutBody({ items: [{ sku: 'NO-SUCH-SKU', quantity: 1, unit_price_cents: 100 }] }),
    );
    accepted.push(orderId);
    const order = await shop.terminal(orderId);
    expect([order.status, order.status_reason]).toEqual(['CANCELLED', 'UNKNOWN_SKU']);
  }, 90_000);

  it('random payment failures at rate 0.5 (seeded): every order terminal, both outcomes, invariants hold', async () => {
    const payment = system.instances.find((i) => i.service === 'payment')!;
    await system.restart(payment, { PAYMENT_FAILURE_RATE: '0.5', PAYMENT_RANDOM_SEED: '1234' });
    await shop.setStock('E2E-RANDOM', 1_000, 500);
    const orderIds = await Promise.all(
      Array.from({ length: 40 }, () =>
        shop.placeAccepted(
          checkoutBody({ items: [{ sku: 'E2E-RANDOM', quantity: 1, unit_price_cents: 500 }] }),
        ),
      ),
    );
    accepted.push(...orderIds);
    const outcomes = await Promise.all(
      orderIds.map(async (id) => (await shop.terminal(id)).status_reason ?? 'CONFIRMED'),
    );
    const tally = Object.groupBy(outcomes, (o) => o);
    expect(Object.keys(tally).toSorted()).toEqual(['CONFIRMED', 'PAYMENT_DECLINED']);
    // 40 fair coin flips land outside 8..32 with probability < 0.01 %.
    expect(tally.CONFIRMED!.length).toBeGreaterThanOrEqual(8);
    expect(tally.CONFIRMED!.length).toBeLessThanOrEqual(32);
    await system.restart(payment, { PAYMENT_FAILURE_RATE: '0' });

    await expectConsistent(system, accepted);
    const stock = await shop.stock('E2E-RANDOM');
    expect(stock).toMatchObject({
      sold: tally.CONFIRMED!.length,
      reserved: 0,
      available: 1_000 - tally.CONFIRMED!.length,
    });
  }, 180_000);

  it('make demo runs every scenario against the system and prints each outcome', async () => {
    const { stdout } = await promisify(execFile)('node', ['scripts/demo.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        NO_COLOR: '1',
        ORDER_URL: system.url('order'),
        PAYMENT_URL: system.url('payment'),
        INVENTORY_URL: system.url('inventory'),
        NOTIFY_URL: system.url('notify'),
      },
    });
    const outcomes = stdout.split('\n').filter((line) => /^ +→ /.test(line));
    expect(outcomes.map((line) => line.replace(/ +total.*/, '').trim())).toEqual([
      '→ CONFIRMED',
      '→ CANCELLED OUT_OF_STOCK',
      '→ CANCELLED PAYMENT_DECLINED',
      '→ CANCELLED PAYMENT_DECLINED',
      '→ CANCELLED UNKNOWN_SKU',
      '→ CONFIRMED',
    ]);
    expect(stdout).toContain('(the same order)');
    expect(stdout).toContain('payment.refunded');
  }, 120_000);

  it('deterministic scenario batch: the same outcomes as the scaled system below, checker clean', async () => {
    const { outcomes, orderIds } = await runScenarioBatch([shop], 4);
    accepted.push(...orderIds);
    expect(outcomes).toEqual(expectedOutcomes(4));
    await expectConsistent(system, accepted);
    // Each (order, kind) reached the webhook exactly once, all correctly signed.
    const perOutcome = Object.groupBy(webhook.deliveries, (d) => `${d.order_id}/${d.kind}`);
    expect(Object.entries(perOutcome).filter(([, list]) => list!.length > 1)).toEqual([]);
    expect(webhook.badSignatures).toBe(0);
    expect(system.instances.map((i) => i.unexpectedExits)).toEqual([0, 0, 0, 0]);
  }, 180_000);
  it('npm run check exits 0 on this system, and 1 naming the order once a confirmed charge is refunded behind its back', async () => {
    const env = {
      ...process.env,
      MYSQL_URL: system.target.mysqlUrl,
      KAFKA_BROKERS: system.target.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: system.target.registryUrl,
      KAFKA_TOPIC_PREFIX: system.target.topicPrefix,
      ORDER_DB: system.target.databases.order,
      PAYMENT_DB: system.target.databases.payment,
      INVENTORY_DB: system.target.databases.inventory,
      NOTIFY_DB: system.target.databases.notify,
    };
    const check = () =>
      promisify(execFile)('node', ['test/system/checker/cli.ts', '--grace-seconds', '0'], {
        cwd: ROOT,
        env,
      }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
    const clean = await check();
    expect(clean.stdout).toContain('violations: 0');
    expect(clean.code).toBe(0);

    const confirmed = accepted[0]!; // the happy path's order
    const db = await mysql.createConnection(`${system.target.mysqlUrl}/${system.target.databases.payment}`);
    try {
      await db.query(`UPDATE payments SET status = 'REFUNDED' WHERE order_id = ?`, [confirmed]);
      const broken = await check();
      expect(broken.code).toBe(1);
      expect(broken.stdout).toMatch(/VIOLATION confirmed-without-charge: 1 order\(s\)/);
      expect(broken.stdout).toContain(confirmed);
    } finally {
      await db.query(`UPDATE payments SET status = 'CONFIRMED' WHERE order_id = ?`, [confirmed]);
      await db.end();
    }
  }, 120_000);
});

describe('scaling: two instances of every service at once', () => {
  let webhook: WebhookReceiver;
  let system: RunningSystem;

  beforeAll(async () => {
    webhook = await startWebhookReceiver();
    system = await startObservedSystem(webhook, 2);
  }, SYSTEM_TIMEOUT_MS);

  afterAll(async () => {
    await system?.stop({ dropDatabases: true });
    await webhook?.close();
  }, 60_000);

  it('gives the same outcomes as one instance each, every notification once, checker clean', async () => {
    // Checkouts alternate between the two order instances; the other services split partitions.
    const clients = system.instances
      .filter((i) => i.service === 'order')
      .map((orderInstance) =>
        shopClient({
          order: orderInstance.url,
          payment: system.url('payment'),
          inventory: system.url('inventory'),
          notify: system.url('notify'),
        }),
      );
    const { outcomes, orderIds } = await runScenarioBatch(clients, 4);
    expect(outcomes).toEqual(expectedOutcomes(4));
    await expectConsistent(system, orderIds);
    const perOutcome = Object.groupBy(webhook.deliveries, (d) => `${d.order_id}/${d.kind}`);
    expect(Object.entries(perOutcome).filter(([, list]) => list!.length > 1)).toEqual([]);
    expect(system.instances.every((i) => i.unexpectedExits === 0)).toBe(true);
  }, 180_000);
});
