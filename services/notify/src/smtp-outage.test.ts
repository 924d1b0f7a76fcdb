// The SMTP server is down when the outcome arrives: notify keeps the notification, retries
// with backoff, and delivers it exactly once when the server comes up.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../../../test/support/isolation.ts';
import {
  freePort,
  orderConfirmed,
  startHarness,
  startSmtpServer,
  type Harness,
  type ReceivedMail,
} from '../test/support.ts';

let harness: Harness;
let smtpPort: number;
let smtp: { mails: ReceivedMail[]; close: () => Promise<void> } | undefined;

beforeAll(async () => {
  smtpPort = await freePort(); // nothing listens here until the test starts the server
  harness = await startHarness({
    NOTIFY_CHANNELS: 'smtp',
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    NOTIFY_MAX_ATTEMPTS: '30',
    NOTIFY_RETRY_BASE_MS: '50',
  });
});

afterAll(async () => {
  await harness?.stop();
  await smtp?.close();
});

it('retries while the SMTP server is down and delivers exactly one mail once it is up', async () => {
  const orderId = randomUUID();
  await harness.publish('order.confirmed', orderConfirmed(orderId, 'eve@example.com'));

  const failing = await eventually(
    async () => {
      const [row] = await harness.list(orderId);
      return row && row.attempts >= 2 && row;
    },
    { timeoutMs: 30_000, what: 'two failed SMTP attempts' },
  );
  expect(failing.status).toBe('PENDING');
  expect(failing.last_error).toMatch(/ECONNREFUSED/);

  smtp = await startSmtpServer(smtpPort);
  const sent = await eventually(
    async () => {
      const [row] = await harness.list(orderId);
      return row?.status === 'SENT' && row;
    },
    { timeoutMs: 30_000, what: 'the mail sent after the outage' },
  );
  expect(sent.attempts).toBeGreaterThanOrEqual(3);
  expect(smtp.mails).toHaveLength(1);
  expect(smtp.mails[0]?.to).toEqual(['eve@example.com']);
  expect(smtp.mails[0]?.raw).toContain(orderId);
});
