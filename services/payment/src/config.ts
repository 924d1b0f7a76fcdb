// The payment service's environment. Nothing else reads process.env.
import { z } from 'zod';
import { commonEnv } from '@commerce/platform/config';

export const envSchema = z.object({
  ...commonEnv,
  PORT: commonEnv.PORT.default(8082),
  /** Probability in [0,1] that the simulated gateway declines a charge at random. */
  PAYMENT_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  /** Seed of the random declines, so a demo run is reproducible. */
  PAYMENT_RANDOM_SEED: z.coerce.number().int().default(42),
  /** Charges above this many cents are declined. */
  PAYMENT_MAX_AMOUNT_CENTS: z.coerce.number().int().min(0).default(100_000),
});

export type PaymentConfig = z.infer<typeof envSchema>;
