// Infrastructure a fault-injection run may crash, with the faults it offers:
// - the sandbox: a Kafka broker and a MariaDB server of the run's own (infra.sh and
//   mariadb-sandbox.sh on free ports, state under .run/sandbox/<name>), so crashing them
//   disturbs nothing else on the machine;
// - the three-broker cluster (infra.sh cluster-start, RF 3, min ISR 2), where one broker at
//   a time is SIGKILLed; its MySQL is the shared server (not crashed here).
// The schema registry and Redis are always the shared ones: nothing here restarts them.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../support/service-harness.ts';
import type { Infra } from './system-processes.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

export type FaultEnvironment = {
  infra: Infra;
  /** Environment every service gets on this infrastructure (replication factor…). */
  serviceEnv: Record<string, string>;
  /** Each fault crashes something and resolves once it serves again. */
  faults: Record<string, () => Promise<void>>;
  stop: () => Promise<void>;
};

type Shared = { registryUrl: string; redisUrl: string };

/** A private single broker and MariaDB: faults "crash kafka" and "crash mariadb" (both SIGKILL). */
export async function startSandbox(name: string, shared: Shared): Promise<FaultEnvironment> {
  const dir = `${ROOT}.run/sandbox/${name}`;
  const [kafkaPort, controllerPort, mysqlPort] = [await freePort(), await freePort(), await freePort()];
  const kafkaEnv = {
    ...process.env,
    INFRA_RUN_DIR: dir,
    KAFKA_PORT: String(kafkaPort),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
  };
  const infraSh = (command: string) =>
    run('bash', [`${ROOT}infra/local/infra.sh`, command], { env: kafkaEnv });
  const mariadb = (...args: string[]) => run('bash', [`${ROOT}infra/local/mariadb-sandbox.sh`, ...args]);

  await Promise.all([infraSh('kafka-start'), mariadb('start', `${dir}/mariadb`, String(mysqlPort))]);
  return {
    infra: {
      kafkaBrokers: [`127.0.0.1:${kafkaPort}`],
      registryUrl: shared.registryUrl,
      mysqlUrl: `mysql://root@127.0.0.1:${mysqlPort}`,
      redisUrl: shared.redisUrl,
    },
    serviceEnv: {},
    faults: {
      'crash kafka': async () => {
        await infraSh('kafka-kill');
        await infraSh('kafka-start');
      },
      'crash mariadb': async () => {
        await mariadb('kill', `${dir}/mariadb`);
        await mariadb('start', `${dir}/mariadb`, String(mysqlPort));
      },
    },
    async stop() {
      await Promise.all([infraSh('kafka-stop'), mariadb('stop', `${dir}/mariadb`)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The three-broker cluster: faults "kill broker 1|2|3" (SIGKILL, then restart). */
export async function startClusterEnvironment(
  shared: Shared & { mysqlUrl: string },
): Promise<FaultEnvironment> {
  const infraSh = (...args: string[]) => run('bash', [`${ROOT}infra/local/infra.sh`, ...args]);
  await infraSh('cluster-start');
  const kill = (broker: number) => async () => {
    await infraSh('cluster-kill', String(broker));
    // Down long enough for leaders to move and the ISR to shrink, then back.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await infraSh('cluster-start');
  };
  return {
    infra: {
      kafkaBrokers: ['127.0.0.1:19092', '127.0.0.1:19093', '127.0.0.1:19094'],
      registryUrl: shared.registryUrl,
      mysqlUrl: shared.mysqlUrl,
      redisUrl: shared.redisUrl,
    },
    serviceEnv: { KAFKA_TOPIC_REPLICATION_FACTOR: '3' },
    faults: { 'kill broker 1': kill(1), 'kill broker 2': kill(2), 'kill broker 3': kill(3) },
    async stop() {
      await infraSh('cluster-stop');
    },
  };
}
