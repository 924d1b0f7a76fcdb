// Testcontainers path of the global setup, used when a Docker engine answers: the same
// images and versions as docker-compose.yml.
import { GenericContainer, Network, Wait, type StartedTestContainer } from 'testcontainers';
import { getContainerRuntimeClient } from 'testcontainers';

export type StartedInfra = { env: Record<string, string>; stop: () => Promise<void> };

export async function dockerAvailable(): Promise<boolean> {
  try {
    const client = await getContainerRuntimeClient();
    return Boolean(client.info.containerRuntime);
  } catch {
    return false;
  }
}

export async function startContainers(): Promise<StartedInfra> {
  const network = await new Network().start();
  const kafka = await new GenericContainer('apache/kafka:4.4.0')
    .withNetwork(network)
    .withNetworkAliases('kafka')
    .withExposedPorts({ container: 9092, host: 39092 })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093,INTERNAL://:19092',
      KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://127.0.0.1:39092,INTERNAL://kafka:19092',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage('Kafka Server started'))
    .start();
  const registry = await new GenericContainer('apicurio/apicurio-registry:3.3.3')
    .withExposedPorts(8080)
    .withEnvironment({ APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD' })
    .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080))
    .start();
  const mysql = await new GenericContainer('mysql:8.4')
    .withExposedPorts(3306)
    .withEnvironment({ MYSQL_ALLOW_EMPTY_PASSWORD: 'yes' })
    .withWaitStrategy(Wait.forLogMessage(/port: 3306 {2}MySQL Community Server/))
    .start();
  const redis = await new GenericContainer('redis:7').withExposedPorts(6379).start();
  const started: StartedTestContainer[] = [kafka, registry, mysql, redis];
  return {
    env: {
      KAFKA_BROKERS: `127.0.0.1:${kafka.getMappedPort(9092)}`,
      SCHEMA_REGISTRY_URL: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
      MYSQL_URL: `mysql://root@${mysql.getHost()}:${mysql.getMappedPort(3306)}`,
      REDIS_URL: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    },
    stop: async () => {
      await Promise.all(started.map((c) => c.stop()));
      await network.stop();
    },
  };
}
