// The notify service process: validated config, shared runtime (MySQL, Kafka, registry,
// HTTP shell with health and metrics), the notification dispatcher, graceful shutdown.
import { loadConfigOrExit } from '@commerce/platform/config';
import { envSchema } from './config.ts';
import { startNotifyService } from './service.ts';

const config = loadConfigOrExit(envSchema);
await startNotifyService(config);
