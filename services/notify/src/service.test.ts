// notify end to end against real Kafka, registry, MariaDB, a real SMTP server and a real
// HTTP webhook receiver.
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/isolation.ts';
import { verifyWebhookSignature } from './adapters/channels/webhook-signature.ts';
import { messageIdFor } from './adapters/channels/smtp-channel.ts';
import type { NotificationView } from './adapters/mysql/notifications-repository.ts';
import {
  freePort,
  orderCancelled,
  orderConfirmed,
  paymentConfirmed,
  startHarness,
  startSmtpServer,
  type Harness,
  type ReceivedMail,
} from '../test/support.ts';

const SECRET = 'test-webhook-secret-0123456789';
const ALERTS = 'sales@commerce.test';

type Delivery = { notificationId: string; body: Record<string, unknown>; validSignature: boolean };

let harness: Harness;
let smtp: { mails: ReceivedMail[]; close: () => Promise<void> };
let receiver: Server;
const webhookFailures = new Map<string, number>(); // requests answered 500, per notification
const delivered: Delivery[] = []; // requests answered 204
const alwaysFailOrders = new Set<string>();

beforeAll(async () => {
  const smtpPort = await freePort();
  smtp = await startSmtpServer(smtpPort);
  const webhookPort = await freePort();
  // Fails each notification's first two requests with 500, then accepts it; orders in
  // alwaysFailOrders are refused until removed.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['x-notification-id']);
      const body = JSON.parse(raw) as Record<string, unknown>;
      const failures = webhookFailures.get(id) ?? 0;
      if (failures < 2 || alwaysFailOrders.has(String(body.order_id))) {
        webhookFailures.set(id, failures + 1);
        res.writeHead(500).end();
        return;
      }
      delivered.push({
        notificationId: id,
        body,
        validSignature: verifyWebhookSignature(
          SECRET,
          String(req.headers['x-timestamp']),
          raw,
          String(req.headers['x-signature']),
          300,
        ),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(webhookPort, '127.0.0.1', resolve));
  harness = await startHarness({
    NOTIFY_CHANNELS: 'smtp,webhook',
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    SMTP_FROM: 'Shop <shop@commerce.test>',
    WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/hooks/notify`,
    WEBHOOK_SECRET: SECRET,
    PURCHASE_ALERT_RECIPIENT: ALERTS,
    NOTIFY_MAX_ATTEMPTS: '4',
    NOTIFY_RETRY_BASE_MS: '50',
  });
});

afterAll(async () => {
  await harness?.stop();
  await smtp?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

const mailsFor = (orderId: string) => smtp.mails.filter((m) => m.raw.includes(orderId));

async function allSettled(orderId: string, count: number): Promise<NotificationView[]> {
  return eventually(
    async () => {
      const items = await harness.list(orderId);
      return items.length === count && items.every((i) => i.status !== 'PENDING') && items;
    },
    { timeoutMs: 45_000, what: `${count} settled notifications for ${orderId}` },
  );
}

describe('notify', () => {
  it('mails exactly one notification per outcome and one purchase alert, never again for a repeated event', async () => {
    const confirmedOrder = randomUUID();
    const cancelledOrder = randomUUID();
    const confirmed = orderConfirmed(confirmedOrder, 'ana@example.com');
    await harness.publish('payment.confirmed', paymentConfirmed(confirmedOrder));
    await harness.publish('order.confirmed', confirmed);
    await harness.publish('order.cancelled', orderCancelled(cancelledOrder, 'bob@example.com'));

    const items = await allSettled(confirmedOrder, 4); // 2 kinds × 2 channels
    expect(items.every((i) => i.status === 'SENT' && i.sent_at !== null)).toBe(true);
    await allSettled(cancelledOrder, 2);

    const confirmation = items.find((i) => i.kind === 'ORDER_CONFIRMED' && i.channel === 'smtp');
    const alert = items.find((i) => i.kind === 'PURCHASE_ALERT' && i.channel === 'smtp');
    expect(confirmation?.recipient).toBe('ana@example.com');
    expect(alert?.recipient).toBe(ALERTS);

    const mails = mailsFor(confirmedOrder);
    expect(mails).toHaveLength(2);
    const toAna = mails.find((m) => m.to[0] === 'ana@example.com');
    expect(toAna?.raw).toMatch(new RegExp(`^Subject: Your order ${confirmedOrder} is confirmed`, 'm'));
    expect(toAna?.raw).toContain('$84.98');
    expect(toAna?.from).toBe('shop@commerce.test');
    expect(toAna?.messageId).toBe(messageIdFor(confirmation?.notification_id ?? ''));
    const toSales = mails.find((m) => m.to[0] === ALERTS);
    expect(toSales?.raw).toMatch(/^Subject: Purchase: \$84\.98 for order/m);

    const cancelMails = mailsFor(cancelledOrder);
    expect(cancelMails).toHaveLength(1);
    expect(cancelMails[0]?.to).toEqual(['bob@example.com']);
    expect(cancelMails[0]?.raw).toContain('an item is out of stock');

    // The same event again, and the same outcome under a new event_id: nothing more is sent.
    await harness.publish('order.confirmed', confirmed);
    await harness.publish('order.confirmed', { ...confirmed, event_id: randomUUID() });
    // One partition: once a later record's mail arrives, both repeats were handled.
    const sentinel = randomUUID();
    await harness.publish('order.confirmed', orderConfirmed(sentinel, 'sentinel@example.com'));
    await eventually(async () => mailsFor(sentinel).length === 1, {
      timeoutMs: 30_000,
      what: 'sentinel mail',
    });
    expect(mailsFor(confirmedOrder)).toHaveLength(2);
    expect(await harness.list(confirmedOrder)).toHaveLength(4);
  });

  it('retries a failing webhook with backoff and delivers it exactly once, signed', async () => {
    const orderId = randomUUID();
    await harness.publish('order.confirmed', orderConfirmed(orderId, 'carla@example.com'));
    const items = await allSettled(orderId, 2);
    const hook = items.find((i) => i.channel === 'webhook');
    expect(hook).toMatchObject({ status: 'SENT', attempts: 3, recipient: 'carla@example.com' });
    const deliveries = delivered.filter((d) => d.notificationId === hook?.notification_id);
    expect(deliveries).toHaveLength(1);
    expect(webhookFailures.get(hook?.notification_id ?? '')).toBe(2);
    expect(deliveries[0]?.validSignature).toBe(true);
    expect(deliveries[0]?.body).toMatchObject({
      notification_id: hook?.notification_id,
      order_id: orderId,
      kind: 'ORDER_CONFIRMED',
      recipient: 'carla@example.com',
      subject: `Your order ${orderId} is confirmed`,
    });
  });

  it('marks a notification FAILED after NOTIFY_MAX_ATTEMPTS and re-sends it on POST /notifications/:id/retry', async () => {
    const orderId = randomUUID();
    alwaysFailOrders.add(orderId);
    await harness.publish('order.confirmed', orderConfirmed(orderId, 'dan@example.com'));
    const items = await allSettled(orderId, 2);
    const hook = items.find((i) => i.channel === 'webhook');
    expect(hook).toMatchObject({ status: 'FAILED', attempts: 4, last_error: 'webhook answered 500' });

    const smtpRow = items.find((i) => i.channel === 'smtp');
    const conflict = await harness.runtime.app.request(`/notifications/${smtpRow?.notification_id}/retry`, {
      method: 'POST',
    });
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('content-type')).toContain('application/problem+json');

    alwaysFailOrders.delete(orderId);
    const retried = await harness.runtime.app.request(`/notifications/${hook?.notification_id}/retry`, {
      method: 'POST',
    });
    expect(retried.status).toBe(200);
    await eventually(
      async () => {
        const again = await harness.list(orderId);
        return again.find((i) => i.channel === 'webhook')?.status === 'SENT';
      },
      { timeoutMs: 20_000, what: 'retried webhook SENT' },
    );
    expect(delivered.filter((d) => d.notificationId === hook?.notification_id)).toHaveLength(1);
  });

  it('skips customer notifications of an order without an email', async () => {
    const orderId = randomUUID();
    await harness.publish('order.cancelled', orderCancelled(orderId, null));
    const items = await allSettled(orderId, 2);
    expect(items.map((i) => [i.kind, i.status, i.attempts, i.recipient])).toEqual([
      ['ORDER_CANCELLED', 'SKIPPED', 0, null],
      ['ORDER_CANCELLED', 'SKIPPED', 0, null],
    ]);
    expect(mailsFor(orderId)).toHaveLength(0);
    expect(delivered.filter((d) => d.body.order_id === orderId)).toHaveLength(0);
  });

  it('answers 400 problem+json without order_id and 404 for an unknown notification', async () => {
    const missing = await harness.runtime.app.request('/notifications');
    expect(missing.status).toBe(400);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(await missing.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'order_id' }],
    });
    const blank = await harness.runtime.app.request('/notifications?order_id=');
    expect(blank.status).toBe(400);

    const unknown = await harness.runtime.app.request(`/notifications/${randomUUID()}/retry`, {
      method: 'POST',
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'NOT_FOUND' });

    expect(await harness.list(randomUUID())).toEqual([]);
  });
});
