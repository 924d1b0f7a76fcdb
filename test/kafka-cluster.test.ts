// The three-broker KRaft cluster mode (infra/local/infra.sh cluster-start): three brokers
// form one cluster, and a topic with RF 3 and min.insync.replicas 2 takes acks=-1 writes.
// Runs with the local infrastructure only (TEST_INFRA=local, set by make test without Docker).
// The broker-kill-under-load scenario belongs to the fault-injection suite (see the README).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { uniqueName } from './support/isolation.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const infra = (command: string) =>
  execFileSync('bash', [`${root}infra/local/infra.sh`, command], { stdio: 'inherit' });
const brokers = ['127.0.0.1:19092', '127.0.0.1:19093', '127.0.0.1:19094'];

describe.runIf(process.env.TEST_INFRA === 'local')('three-broker cluster', () => {
  beforeAll(() => infra('cluster-start'), 180_000);
  afterAll(() => infra('cluster-stop'), 120_000);

  it('forms one cluster whose RF 3 / min ISR 2 topics take acks=-1 writes on every replica', async () => {
    const kafka = new Kafka({ clientId: uniqueName('cluster'), brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3]);

    const topic = uniqueName('cluster-proof');
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 3,
          replicationFactor: 3,
          configEntries: [{ name: 'min.insync.replicas', value: '2' }],
        },
      ],
    });
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const values = Array.from({ length: 300 }, (_, i) => `record-${i}`);
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: value, value })) });
    await producer.disconnect();

    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    for (const partition of metadata.topics[0]?.partitions ?? []) {
      expect(partition.replicas).toHaveLength(3);
      expect(partition.isr).toHaveLength(3);
    }
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)).toBe(300);
    await admin.disconnect();
  }, 60_000);
});
