// A delivery channel: resolves once the receiver accepted the notification, throws otherwise
// (the dispatcher then retries with backoff).
import type { Notification } from '../../domain/notification.ts';

export type Channel = { send: (notification: Notification) => Promise<void> };
