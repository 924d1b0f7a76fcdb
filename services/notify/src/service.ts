// Builds the notify service on the shared runtime: channels, dispatcher, handlers, routes.
// main.ts runs it as a process; integration tests run it embedded.
import type { Logger } from 'pino';
import { createServiceRuntime, type ServiceRuntime } from '@commerce/platform/service-runtime';
import type { NotifyConfig } from './config.ts';
import type { ChannelName } from './domain/notification.ts';
import type { Channel } from './adapters/channels/channel.ts';
import { createLogChannel } from './adapters/channels/log-channel.ts';
import { createSmtpChannel } from './adapters/channels/smtp-channel.ts';
import { createWebhookChannel } from './adapters/channels/webhook-channel.ts';
import { notifyHandlers } from './adapters/kafka/handlers.ts';
import { registerNotificationRoutes } from './adapters/http/routes.ts';
import { createDispatcher } from './app/dispatcher.ts';

export const migrationsDir = new URL('../migrations', import.meta.url).pathname;

function buildChannels(
  config: NotifyConfig,
  log: Logger,
): { channels: Partial<Record<ChannelName, Channel>>; close: () => void } {
  const channels: Partial<Record<ChannelName, Channel>> = {};
  const closers: (() => void)[] = [];
  for (const name of config.NOTIFY_CHANNELS) {
    if (name === 'log') channels.log = createLogChannel(log.child({ component: 'notification' }));
    // The config schema guarantees the URL and secret of each enabled channel.
    if (name === 'smtp' && config.SMTP_URL) {
      const smtp = createSmtpChannel({ url: config.SMTP_URL, from: config.SMTP_FROM });
      closers.push(smtp.close);
      channels.smtp = smtp;
    }
    if (name === 'webhook' && config.WEBHOOK_URL && config.WEBHOOK_SECRET)
      channels.webhook = createWebhookChannel({ url: config.WEBHOOK_URL, secret: config.WEBHOOK_SECRET });
  }
  return { channels, close: () => closers.forEach((close) => close()) };
}

/** Creates the runtime, starts consuming, dispatching and serving HTTP. */
export async function startNotifyService(
  config: NotifyConfig,
  options: { installSignalHandlers?: boolean } = {},
): Promise<ServiceRuntime> {
  const runtime = await createServiceRuntime({
    name: 'notify',
    config,
    defaultDatabase: 'notify',
    migrationsDir,
    produces: [],
    installSignalHandlers: options.installSignalHandlers ?? true,
  });
  const { channels, close } = buildChannels(config, runtime.log);
  const dispatcher = createDispatcher({
    pool: runtime.pool,
    channels,
    log: runtime.log.child({ component: 'dispatcher' }),
    maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
    retryBaseMs: config.NOTIFY_RETRY_BASE_MS,
  });
  runtime.stopSteps.push({
    name: 'dispatcher',
    stop: async () => {
      await dispatcher.stop();
      close();
    },
  });
  registerNotificationRoutes(runtime.app, { pool: runtime.pool, onRequeued: dispatcher.wake });
  dispatcher.start();
  await runtime.start({
    handlers: notifyHandlers({
      channels: config.NOTIFY_CHANNELS,
      alertRecipient: config.PURCHASE_ALERT_RECIPIENT,
      // Called once the consumer's transaction has committed the rows: the claim sees them.
      onRecorded: dispatcher.wake,
    }),
  });
  return runtime;
}
