// The order service's environment. Nothing else reads process.env.
import { z } from 'zod';
import { commonEnv, redisEnv, boolFromEnv } from '@commerce/platform/config';

export const envSchema = z.object({
  ...commonEnv,
  ...redisEnv,
  PORT: commonEnv.PORT.default(8080),
  /** Saga deadline: a PENDING order older than this is cancelled with TIMEOUT. */
  SAGA_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** How often the deadline sweeper looks for expired sagas. */
  SAGA_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),
  /** Seconds an Idempotency-Key is remembered. */
  IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().min(60).default(86_400),
  /** Seconds an order projection stays in Redis. */
  ORDER_CACHE_TTL_SECONDS: z.coerce.number().int().min(1).default(300),
  /** Prepended to every Redis key (isolates environments and tests sharing one Redis). */
  ORDER_CACHE_KEY_PREFIX: z.string().max(100).default(''),
  /** When set, POST endpoints require `X-API-Key: <value>`. */
  API_KEY: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(65_536),
  EXPOSE_DOCS: boolFromEnv.default(true),
});

export type OrderConfig = z.infer<typeof envSchema>;
