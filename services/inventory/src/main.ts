// The inventory service process: validated config, shared runtime (MySQL, Kafka, registry,
// outbox relay, HTTP shell with health and metrics), graceful shutdown.
import { loadConfigOrExit } from '@commerce/platform/config';
import { createServiceRuntime } from '@commerce/platform/service-runtime';
import { envSchema } from './config.ts';
import { DEMO_CATALOG, DEMO_UNITS_PER_SKU } from './domain/catalog.ts';
import { seedStock } from './adapters/mysql/stock.ts';
import { inventoryHandlers } from './adapters/kafka/handlers/index.ts';
import { registerStockRoutes } from './adapters/http/routes.ts';

const config = loadConfigOrExit(envSchema);
const runtime = await createServiceRuntime({
  name: 'inventory',
  config,
  defaultDatabase: 'inventory',
  migrationsDir: new URL('../migrations', import.meta.url).pathname,
  produces: ['stock.reserved', 'stock.rejected', 'stock.released'],
});
if (config.SEED_DEMO_CATALOG) {
  const seeded = await seedStock(runtime.pool, DEMO_CATALOG, DEMO_UNITS_PER_SKU);
  runtime.log.info({ seeded }, 'demo catalog seeded (existing SKUs untouched)');
}
registerStockRoutes(runtime.app, runtime.pool);
await runtime.start({ handlers: inventoryHandlers });
