// A Kafka broker and a MariaDB server of the fault-injection run's own (infra.sh and
// mariadb-sandbox.sh on free ports, state under .run/sandbox/<name>), so the run can crash
// and restart them without disturbing anything else on the machine. The schema registry and
// Redis stay the shared ones: nothing here restarts them.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../support/service-harness.ts';
import type { Infra } from './system-processes.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

export type Sandbox = {
  infra: Infra;
  /** SIGKILLs the broker and starts it again (log recovery); resolves once it serves again. */
  crashKafka: () => Promise<void>;
  /** SIGKILLs mariadbd and starts it again (InnoDB crash recovery). */
  crashMariadb: () => Promise<void>;
  stop: () => Promise<void>;
};

export async function startSandbox(
  name: string,
  shared: { registryUrl: string; redisUrl: string },
): Promise<Sandbox> {
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
    async crashKafka() {
      await infraSh('kafka-kill');
      await infraSh('kafka-start');
    },
    async crashMariadb() {
      await mariadb('kill', `${dir}/mariadb`);
      await mariadb('start', `${dir}/mariadb`, String(mysqlPort));
    },
    async stop() {
      await Promise.all([infraSh('kafka-stop'), mariadb('stop', `${dir}/mariadb`)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
