// The payment service process: validated config, shared runtime (MySQL, Kafka, registry,
// outbox relay, HTTP shell with health and metrics), graceful shutdown.
import { loadConfigOrExit } from '@commerce/platform/config';
import { createServiceRuntime } from '@commerce/platform/service-runtime';
import { envSchema } from './config.ts';
import { createSimulatedGateway } from './domain/payment-gateway.ts';
import { paymentHandlers } from './adapters/kafka/handlers/index.ts';
import { registerPaymentRoutes } from './adapters/http/routes.ts';

const config = loadConfigOrExit(envSchema);
const runtime = await createServiceRuntime({
  name: 'payment',
  config,
  defaultDatabase: 'payments',
  migrationsDir: new URL('../migrations', import.meta.url).pathname,
  produces: ['payment.confirmed', 'payment.failed', 'payment.refunded'],
});
registerPaymentRoutes(runtime.app, runtime.pool);
const gateway = createSimulatedGateway({
  maxAmountCents: config.PAYMENT_MAX_AMOUNT_CENTS,
  failureRate: config.PAYMENT_FAILURE_RATE,
  seed: config.PAYMENT_RANDOM_SEED,
});
await runtime.start({ handlers: paymentHandlers(gateway) });
