// Encode/decode throughput of order.created through serde (validation, wire format, cached
// schema id and reader). Registers under a throwaway subject prefix and deletes it after.
//   node bench/serde-bench.ts [--records N] [--runs R]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createSerde } from '../packages/platform/src/serde.ts';
import { exampleEvents } from '../packages/platform/src/event-examples.ts';

const { values } = parseArgs({
  options: { records: { type: 'string', default: '50000' }, runs: { type: 'string', default: '5' } },
});
const records = Number(values.records);
const runs = Number(values.runs);
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
const prefix = `bench-${randomBytes(4).toString('hex')}.`;

const serde = createSerde({ registryUrl, topics: ['order.created'], topicPrefix: prefix });
await serde.init();
const event = exampleEvents()['order.created'];

async function encodeRun(): Promise<{ perSecond: number; buffers: Buffer[] }> {
  const buffers: Buffer[] = new Array<Buffer>(records);
  const started = performance.now();
  for (let i = 0; i < records; i += 1) buffers[i] = await serde.encode('order.created', event);
  return { perSecond: records / ((performance.now() - started) / 1000), buffers };
}

async function decodeRun(buffers: Buffer[]): Promise<number> {
  const started = performance.now();
  for (const buffer of buffers) await serde.decode('order.created', buffer);
  return records / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

try {
  const warm = await encodeRun(); // JIT warm-up, not counted
  await decodeRun(warm.buffers);
  const encodeRates: number[] = [];
  const decodeRates: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const { perSecond, buffers } = await encodeRun();
    encodeRates.push(perSecond);
    decodeRates.push(await decodeRun(buffers));
  }
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const size = (await serde.encode('order.created', event)).length;
  process.stdout.write(
    `order.created (${size} bytes on the wire), ${records} records x ${runs} runs, node ${process.version}\n` +
      `encode: ${fmt(median(encodeRates))} records/s (median; runs ${encodeRates.map(fmt).join(', ')})\n` +
      `decode: ${fmt(median(decodeRates))} records/s (median; runs ${decodeRates.map(fmt).join(', ')})\n`,
  );
} finally {
  for (const suffix of ['', '?permanent=true']) {
    await fetch(`${registryUrl}/subjects/${encodeURIComponent(`${prefix}order.created-value`)}${suffix}`, {
      method: 'DELETE',
    }).catch(() => undefined);
  }
}
