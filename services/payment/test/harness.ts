// Starts the payment service in-process against the real infrastructure, isolated by its
// own topic prefix, consumer group and database; produces input events through the serde.
import { parseConfig } from '@commerce/platform/config';
import { startServiceHarness, type ServiceHarness } from '../../../test/support/service-harness.ts';
import { envSchema } from '../src/config.ts';
import { createSimulatedGateway } from '../src/domain/payment-gateway.ts';
import { paymentHandlers } from '../src/adapters/kafka/handlers/index.ts';
import { registerPaymentRoutes } from '../src/adapters/http/routes.ts';

export type Harness = ServiceHarness;

export function startPaymentService(env: Record<string, string> = {}): Promise<Harness> {
  return startServiceHarness({
    name: 'payment',
    defaultDatabase: 'payments',
    migrationsDir: new URL('../migrations', import.meta.url).pathname,
    produces: ['payment.confirmed', 'payment.failed', 'payment.refunded'],
    parseEnv: (values) => parseConfig(envSchema, values),
    env,
    wire: (runtime, config) => {
      registerPaymentRoutes(runtime.app, runtime.pool);
      const gateway = createSimulatedGateway({
        maxAmountCents: config.PAYMENT_MAX_AMOUNT_CENTS,
        failureRate: config.PAYMENT_FAILURE_RATE,
        seed: config.PAYMENT_RANDOM_SEED,
      });
      return paymentHandlers(gateway);
    },
  });
}
