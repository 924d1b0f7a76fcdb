// Writes the notification as one structured log line: the demo/default channel.
import type { Logger } from 'pino';
import type { Channel } from './channel.ts';

export function createLogChannel(log: Logger): Channel {
  return {
    async send(n) {
      log.info(
        {
          notification_id: n.notification_id,
          order_id: n.order_id,
          kind: n.kind,
          recipient: n.recipient,
          subject: n.subject,
        },
        'notification delivered',
      );
    },
  };
}
