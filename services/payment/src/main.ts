// The payment service process: validated config, shared runtime (MySQL, Kafka, registry,
// outbox relay, HTTP shell with health and metrics), graceful shutdown.
import { loadConfigOrExit } from '@commerce/platform/config';
import { createServiceRuntime } from '@commerce/platform/service-runtime';
import { envSchema } from './config.ts';

const config = loadConfigOrExit(envSchema);
const runtime = await createServiceRuntime({
  name: 'payment',
  config,
  defaultDatabase: 'payments',
  migrationsDir: new URL('../migrations', import.meta.url).pathname,
  produces: [],
});
await runtime.start();
