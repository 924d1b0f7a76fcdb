// `npm run check [-- options]`: checks a running deployment (by default the one `make up`
// starts) against every invariant of CONTRACT.md. Exit 0 when clean, 1 on any violation,
// 2 on bad usage or when the system cannot be read.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { commonEnv, parseConfig, ConfigError } from '@commerce/platform/config';
import {
  checkConsistency,
  DEFAULT_DATABASES,
  formatReport,
  waitForQuiescence,
  type SystemTarget,
} from './index.ts';

const USAGE = `usage: npm run check -- [--grace-seconds N] [--wait] [--no-topics] [--json]
  --grace-seconds N  orders updated in the last N seconds are in flight, not judged (default 30;
                     0 when the system is quiescent)
  --wait             first wait (up to 120 s) until nothing is pending, then judge everything
  --no-topics        check the databases only (skip reading the topics)
  --json             print the report as JSON
environment: MYSQL_URL (server, no database), KAFKA_BROKERS, SCHEMA_REGISTRY_URL, KAFKA_TOPIC_PREFIX,
  ORDER_DB, PAYMENT_DB, INVENTORY_DB, NOTIFY_DB (defaults: the local make up deployment)`;

// The services' own validators (one message per bad variable), with the local defaults.
const envSchema = z.object({
  MYSQL_URL: commonEnv.MYSQL_URL.default('mysql://root@127.0.0.1:3306'),
  KAFKA_BROKERS: commonEnv.KAFKA_BROKERS.default(['127.0.0.1:9092']),
  SCHEMA_REGISTRY_URL: commonEnv.SCHEMA_REGISTRY_URL.default('http://127.0.0.1:8081/apis/ccompat/v7'),
  KAFKA_TOPIC_PREFIX: commonEnv.KAFKA_TOPIC_PREFIX,
  ORDER_DB: z.string().min(1).default(DEFAULT_DATABASES.order),
  PAYMENT_DB: z.string().min(1).default(DEFAULT_DATABASES.payment),
  INVENTORY_DB: z.string().min(1).default(DEFAULT_DATABASES.inventory),
  NOTIFY_DB: z.string().min(1).default(DEFAULT_DATABASES.notify),
});

function fail(message: string): never {
  process.stderr.write(`check: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      'grace-seconds': { type: 'string', default: '30' },
      wait: { type: 'boolean', default: false },
      'no-topics': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  }).values;
} catch (error) {
  fail((error as Error).message);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const graceSeconds = Number(args['grace-seconds']);
if (!Number.isFinite(graceSeconds) || graceSeconds < 0)
  fail(`--grace-seconds must be a number ≥ 0, got "${args['grace-seconds']}"`);

let env;
try {
  env = parseConfig(envSchema);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
const target: SystemTarget = {
  mysqlUrl: env.MYSQL_URL,
  databases: {
    order: env.ORDER_DB,
    payment: env.PAYMENT_DB,
    inventory: env.INVENTORY_DB,
    notify: env.NOTIFY_DB,
  },
  kafkaBrokers: env.KAFKA_BROKERS,
  registryUrl: env.SCHEMA_REGISTRY_URL,
  topicPrefix: env.KAFKA_TOPIC_PREFIX,
};

try {
  if (args.wait) {
    const { waitedMs } = await waitForQuiescence(target);
    process.stderr.write(`check: quiescent after ${(waitedMs / 1000).toFixed(1)} s\n`);
  }
  const report = await checkConsistency(target, {
    inFlightGraceMs: args.wait ? 0 : graceSeconds * 1000,
    readTopics: !args['no-topics'],
  });
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
  process.exit(report.violations.length === 0 ? 0 : 1);
} catch (error) {
  process.stderr.write(`check: cannot read the system: ${(error as Error).message}\n`);
  process.exit(2);
}
