// What the bench samples besides its own requests: per-process CPU (from /proc), the
// services' event-loop delay (their /metrics), each service's outbox backlog, the consumer
// groups' lag, MariaDB's commit/fsync/query counters and the records on the contract topics.
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import type { Admin } from 'kafkajs';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { TOPICS } from '../../packages/platform/src/events.ts';
import { DEFAULT_DATABASES as SERVICE_DATABASES, type ServiceName } from '../../test/system/checker/index.ts';
import { SERVICES } from '../../test/system/system-processes.ts';

export { SERVICES, SERVICE_DATABASES, type ServiceName };
export const SERVICE_PORTS: Record<ServiceName, number> = {
  order: 8080,
  payment: 8082,
  inventory: 8083,
  notify: 8084,
};

const CLOCK_TICKS = 100; // USER_HZ on Linux

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return pid > 0 && existsSync(`/proc/${pid}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The process named `name` serving the shared port (others, e.g. test sandboxes, pass --port=<other>). */
function pidByName(name: string, port: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== name) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const explicit = /--port[= ](\d+)/.exec(cmdline);
      if (!explicit || Number(explicit[1]) === port) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** The processes whose CPU the bench reports: the four services, Kafka, the registry, MariaDB, Redis and itself. */
export function findProcesses(root: string): Record<string, number> {
  const found: Record<string, number | undefined> = {
    ...Object.fromEntries(SERVICES.map((s) => [s, readPid(`${root}/.run/services/${s}.pid`)])),
    kafka: readPid(`${root}/.run/kafka/pid`),
    registry: readPid(`${root}/.run/registry/pid`),
    mariadb: pidByName('mariadbd', 3306) ?? pidByName('mysqld', 3306),
    redis: pidByName('redis-server', 6379),
    bench: process.pid,
  };
  return Object.fromEntries(Object.entries(found).filter((e): e is [string, number] => e[1] !== undefined));
}

/** CPU seconds (user + system) a process has used, or undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Whole-machine CPU seconds: busy and total, from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS };
}

/** Event-loop delay p99 (ms) per service from its Prometheus /metrics (prom-client resets it per scrape). */
export async function eventLoopDelays(): Promise<Record<string, number | null>> {
  const entries = await Promise.all(
    SERVICES.map(async (service): Promise<[string, number | null]> => {
      try {
        const response = await fetch(`http://127.0.0.1:${SERVICE_PORTS[service]}/metrics`, {
          signal: AbortSignal.timeout(2_000),
        });
        const text = await response.text();
        const match = /^nodejs_eventloop_lag_p99_seconds\{[^}]*\} ([\d.eE+-]+)$/m.exec(text);
        return [service, match ? Math.round(Number(match[1]) * 10_000) / 10 : null];
      } catch {
        return [service, null];
      }
    }),
  );
  return Object.fromEntries(entries);
}

/** Unpublished outbox rows per service database. */
export async function outboxBacklog(pool: Pool): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const service of SERVICES) {
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM \`${SERVICE_DATABASES[service]}\`.outbox WHERE published_at IS NULL AND failed_at IS NULL`,
    );
    result[service] = Number(rows[0]?.n ?? 0);
  }
  return result;
}

/** MariaDB's global counters the bench turns into per-checkout figures. */
export async function dbCounters(pool: Pool): Promise<Record<string, number>> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SHOW GLOBAL STATUS WHERE Variable_name IN
      ('Com_commit','Com_begin','Questions','Innodb_os_log_fsyncs','Innodb_data_fsyncs','Com_insert','Com_update','Com_select','Handler_commit')`,
  );
  return Object.fromEntries(rows.map((r) => [String(r.Variable_name), Number(r.Value)]));
}

/** Records not yet committed by each service's consumer group (over every topic it reads). */
export async function consumerLag(admin: Admin, prefix = ''): Promise<Record<string, number>> {
  const ends = new Map<string, Map<number, number>>();
  const result: Record<string, number> = {};
  for (const service of SERVICES) {
    let lag = 0;
    const committed = await admin.fetchOffsets({ groupId: `${prefix}${service}` });
    for (const { topic, partitions } of committed) {
      let topicEnds = ends.get(topic);
      if (!topicEnds) {
        topicEnds = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
        ends.set(topic, topicEnds);
      }
      for (const { partition, offset } of partitions) {
        const end = topicEnds.get(partition);
        if (end === undefined || Number(offset) < 0) continue;
        lag += Math.max(0, end - Number(offset));
      }
    }
    result[service] = lag;
  }
  return result;
}

/** The sum of the end offsets of the contract topics (records ever produced to them). */
export async function topicRecordCount(admin: Admin, prefix = ''): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const topic of TOPICS) {
    const offsets = await admin.fetchTopicOffsets(`${prefix}${topic}`);
    result[topic] = offsets.reduce((sum, p) => sum + Number(p.high), 0);
  }
  return result;
}
