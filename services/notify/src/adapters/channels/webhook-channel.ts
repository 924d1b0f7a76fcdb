// POSTs the notification as signed JSON; any non-2xx answer or network error is a failure.
import type { Channel } from './channel.ts';
import { signWebhook } from './webhook-signature.ts';

export function createWebhookChannel(options: {
  url: string;
  secret: string;
  timeoutMs?: number;
  now?: () => number;
}): Channel {
  const now = options.now ?? Date.now;
  return {
    async send(n) {
      const rawBody = JSON.stringify({
        notification_id: n.notification_id,
        order_id: n.order_id,
        kind: n.kind,
        recipient: n.recipient,
        subject: n.subject,
        body: n.body,
      });
      const timestamp = String(Math.floor(now() / 1000));
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-timestamp': timestamp,
          'x-signature': signWebhook(options.secret, timestamp, rawBody),
          'x-notification-id': n.notification_id,
        },
        body: rawBody,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      // Drain the body so the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new Error(`webhook answered ${response.status}`);
    },
  };
}
