// Stands in for the customer's mailbox and the sales channel: notify's webhook channel
// POSTs every notification here, so a test counts what was really sent, not what a table
// says. Deliveries are de-duplicated by nobody: a second send shows up as a second entry.
import { createServer, type Server } from 'node:http';
import { verifyWebhookSignature } from '../../services/notify/src/adapters/channels/webhook-signature.ts';

export type Delivery = { notification_id: string; order_id: string; kind: string; recipient: string | null };

export type WebhookReceiver = {
  url: string;
  secret: string;
  deliveries: Delivery[];
  /** Requests whose signature did not verify (none expected). */
  badSignatures: number;
  forOrder: (orderId: string) => Delivery[];
  close: () => Promise<void>;
};

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const secret = 'system-test-webhook-secret';
  const receiver: WebhookReceiver = {
    url: '',
    secret,
    deliveries: [],
    badSignatures: 0,
    forOrder: (orderId) => receiver.deliveries.filter((d) => d.order_id === orderId),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const valid = verifyWebhookSignature(
        secret,
        String(request.headers['x-timestamp']),
        raw,
        String(request.headers['x-signature']),
        300,
      );
      if (!valid) {
        receiver.badSignatures += 1;
        response.writeHead(401).end();
        return;
      }
      receiver.deliveries.push(JSON.parse(raw) as Delivery);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  receiver.url = `http://127.0.0.1:${port}/notifications`;
  return receiver;
}
