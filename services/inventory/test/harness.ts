// Starts the inventory service in-process against the real infrastructure, isolated by its
// own topic prefix, consumer group and database; produces input events through the serde.
import { parseConfig } from '@commerce/platform/config';
import { startServiceHarness, type ServiceHarness } from '../../../test/support/service-harness.ts';
import { envSchema } from '../src/config.ts';
import { inventoryHandlers } from '../src/adapters/kafka/handlers/index.ts';
import { registerStockRoutes } from '../src/adapters/http/routes.ts';

export type Harness = ServiceHarness;

export function startInventoryService(env: Record<string, string> = {}): Promise<Harness> {
  return startServiceHarness({
    name: 'inventory',
    defaultDatabase: 'inventory',
    migrationsDir: new URL('../migrations', import.meta.url).pathname,
    produces: ['stock.reserved', 'stock.rejected', 'stock.released'],
    parseEnv: (values) => parseConfig(envSchema, values),
    env,
    wire: (runtime) => {
      registerStockRoutes(runtime.app, runtime.pool);
      return inventoryHandlers;
    },
  });
}
