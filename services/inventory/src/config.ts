// The inventory service's environment. Nothing else reads process.env.
import { z } from 'zod';
import { commonEnv, boolFromEnv } from '@commerce/platform/config';

export const envSchema = z.object({
  ...commonEnv,
  PORT: commonEnv.PORT.default(8083),
  /** Seed the demo catalog (10 units of each demo SKU) when a SKU does not exist yet. */
  SEED_DEMO_CATALOG: boolFromEnv.default(true),
});

export type InventoryConfig = z.infer<typeof envSchema>;
