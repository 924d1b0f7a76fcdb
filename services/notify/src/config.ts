// The notify service's environment. Nothing else reads process.env.
import { z } from 'zod';
import { commonEnv, urlWithProtocol } from '@commerce/platform/config';

const channel = z.enum(['log', 'smtp', 'webhook']);

export const envSchema = z
  .object({
    ...commonEnv,
    PORT: commonEnv.PORT.default(8084),
    /** Comma-separated delivery channels, several at once: log, smtp, webhook. */
    NOTIFY_CHANNELS: z
      .string()
      .default('log')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(channel).min(1)),
    /** smtp://user:pass@host:port — required when the smtp channel is on. */
    SMTP_URL: urlWithProtocol(['smtp:', 'smtps:']).optional(),
    SMTP_FROM: z.string().default('Commerce <no-reply@commerce.local>'),
    /** Where the webhook channel POSTs; required when it is on. */
    WEBHOOK_URL: urlWithProtocol(['http:', 'https:']).optional(),
    /** HMAC-SHA256 key for the webhook signature; required when the webhook channel is on. */
    WEBHOOK_SECRET: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
    /** Recipient of internal purchase alerts. */
    PURCHASE_ALERT_RECIPIENT: z.string().default('sales@commerce.local'),
    NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(5),
    NOTIFY_RETRY_BASE_MS: z.coerce.number().int().min(10).default(1_000),
  })
  .superRefine((env, ctx) => {
    if (env.NOTIFY_CHANNELS.includes('smtp') && !env.SMTP_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['SMTP_URL'],
        message: 'required when NOTIFY_CHANNELS includes smtp',
      });
    if (env.NOTIFY_CHANNELS.includes('webhook') && !env.WEBHOOK_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOK_URL'],
        message: 'required when NOTIFY_CHANNELS includes webhook',
      });
    if (env.NOTIFY_CHANNELS.includes('webhook') && !env.WEBHOOK_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOK_SECRET'],
        message: 'required when NOTIFY_CHANNELS includes webhook',
      });
  });

export type NotifyConfig = z.infer<typeof envSchema>;
