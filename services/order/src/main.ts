// The order service process: validated config, shared runtime (MySQL, Kafka, registry,
// outbox relay, HTTP shell with health and metrics), saga consumer, deadline sweeper,
// graceful shutdown.
import { loadConfigOrExit } from '@commerce/platform/config';
import { envSchema } from './config.ts';
import { createOrderService } from './service.ts';

const config = loadConfigOrExit(envSchema);
const service = await createOrderService(config);
await service.start();
