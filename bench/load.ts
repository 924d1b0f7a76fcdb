// Open-model load generator for the running system (`make up`): places checkouts at a fixed
// rate whatever the responses do (so back-pressure cannot hide latency), and observes each
// order's terminal status on the order.confirmed / order.cancelled topics (keyed by order_id).
//
//   node bench/load.ts --mode fixed --rate 200 --duration 60      fixed rate for a duration
//   node bench/load.ts --mode ramp --ramp-start 100 --ramp-step 100 --ramp-step-seconds 15
//                                                                 steps up until orders stop keeping up
// Options: --skus N (BENCH-0001…, stocked with PUT /stock), --drain-seconds, --out FILE.json,
// --idempotency-key (send an Idempotency-Key per checkout), --no-checker, --checker-no-topics.
// Writes FILE.json, FILE.md and FILE.svg (default bench/results/<time>-<mode>.*).
//
// Latencies (milliseconds): e2e = 202 received → terminal record seen by the bench's consumer;
// total = intended send time → terminal; http = intended send time → 202 (includes any queueing
// in the client, as an open model must).
import http from 'node:http';
import os from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import mysql from 'mysql2/promise';
import { median, summarize, type LatencySummary } from './lib/stats.ts';
import {
  consumerLag,
  cpuSeconds,
  dbCounters,
  eventLoopDelays,
  findProcesses,
  machineCpu,
  outboxBacklog,
  topicRecordCount,
} from './lib/probes.ts';
import { renderChart, type Panel } from './lib/svg.ts';
import {
  checkConsistency,
  DEFAULT_DATABASES,
  formatReport,
  waitForQuiescence,
  type SystemTarget,
} from '../test/system/checker/index.ts';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const USAGE =
  'usage: node bench/load.ts [--mode fixed|ramp] [--rate N] [--duration S] [--ramp-start N] [--ramp-step N]\n' +
  '  [--ramp-step-seconds S] [--ramp-max N] [--skus N] [--drain-seconds S] [--max-in-flight N]\n' +
  '  [--order-url URL] [--inventory-url URL] [--out FILE] [--label NAME] [--idempotency-key] [--no-checker] [--checker-no-topics]';
function usageError(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}
const OPTIONS = {
  mode: { type: 'string', default: 'fixed' },
  rate: { type: 'string', default: '200' },
  duration: { type: 'string', default: '60' },
  'ramp-start': { type: 'string', default: '100' },
  'ramp-step': { type: 'string', default: '100' },
  'ramp-step-seconds': { type: 'string', default: '15' },
  'ramp-max': { type: 'string', default: '2000' },
  skus: { type: 'string', default: '200' },
  'drain-seconds': { type: 'string', default: '120' },
  'max-in-flight': { type: 'string', default: '5000' },
  'order-url': { type: 'string', default: process.env.ORDER_URL ?? 'http://127.0.0.1:8080' },
  'inventory-url': { type: 'string', default: process.env.INVENTORY_URL ?? 'http://127.0.0.1:8083' },
  out: { type: 'string' },
  label: { type: 'string' },
  'idempotency-key': { type: 'boolean', default: false },
  'no-checker': { type: 'boolean', default: false },
  'checker-no-topics': { type: 'boolean', default: false },
} as const;
const args = (() => {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (error) {
    return usageError((error as Error).message);
  }
})();
if (args.mode !== 'fixed' && args.mode !== 'ramp')
  usageError(`--mode must be fixed or ramp, got "${args.mode}"`);
const NUMERIC = [
  'rate',
  'duration',
  'ramp-start',
  'ramp-step',
  'ramp-step-seconds',
  'ramp-max',
  'skus',
  'drain-seconds',
  'max-in-flight',
] as const;
for (const name of NUMERIC) {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value <= 0)
    usageError(`--${name} must be a positive number, got "${args[name]}"`);
}
const mode: 'fixed' | 'ramp' = args.mode;
const fixedRate = Number(args.rate);
const duration = Number(args.duration);
const rampStart = Number(args['ramp-start']);
const rampStep = Number(args['ramp-step']);
const rampStepSeconds = Number(args['ramp-step-seconds']);
const rampMax = Number(args['ramp-max']);
const skuCount = Number(args.skus);
const drainSeconds = Number(args['drain-seconds']);
const maxInFlight = Number(args['max-in-flight']);
const orderUrl = new URL(args['order-url']);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const mysqlUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const label = args.label ?? (mode === 'fixed' ? `fixed-${fixedRate}` : 'ramp');
const outJson = resolve(args.out ?? `${ROOT}/bench/results/${stamp}-${label}.json`);
const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

// ---------------------------------------------------------------- the schedule
type Step = { rate: number; from: number; to: number };
const steps: Step[] = [];
if (mode === 'fixed') steps.push({ rate: fixedRate, from: 0, to: duration });
else
  for (let rate = rampStart, from = 0; rate <= rampMax; rate += rampStep, from += rampStepSeconds)
    steps.push({ rate, from, to: from + rampStepSeconds });
const plannedOrders = steps.reduce((sum, s) => sum + s.rate * (s.to - s.from), 0);

// ---------------------------------------------------------------- stock for our own SKUs
const skus = Array.from({ length: skuCount }, (_, i) => `BENCH-${String(i + 1).padStart(4, '0')}`);
type Stock = { available: number; reserved: number; sold: number };
async function prepareStock(): Promise<Record<string, number>> {
  // Each order takes at most 2 lines × 3 units; uniform SKUs, with a 2× margin.
  const needed = Math.ceil(((plannedOrders * 2 * 1.5 * 2) / skuCount) * 2) + 100;
  const initial: Record<string, number> = {};
  await Promise.all(
    skus.map(async (sku) => {
      const current = await fetch(`${args['inventory-url']}/stock/${sku}`);
      let stock: Stock | undefined = current.ok ? ((await current.json()) as Stock) : undefined;
      if (!stock || stock.available < needed) {
        const put = await fetch(`${args['inventory-url']}/stock/${sku}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ available: needed, name: `Bench item ${sku}`, price_cents: 1999 }),
        });
        if (!put.ok) throw new Error(`PUT /stock/${sku} answered ${put.status}: ${await put.text()}`);
        stock = (await put.json()) as Stock;
      }
      initial[sku] = stock.available + stock.reserved + stock.sold;
    }),
  );
  return initial;
}

function checkoutBody(): string {
  const lines = Math.random() < 0.5 ? 1 : 2;
  const chosen = new Set<string>();
  while (chosen.size < lines) chosen.add(skus[Math.floor(Math.random() * skus.length)] ?? 'BENCH-0001');
  return JSON.stringify({
    customer_id: `bench-${Math.floor(Math.random() * 10_000)}`,
    customer_email: 'bench@example.com',
    currency: 'USD',
    items: [...chosen].map((sku) => ({
      sku,
      quantity: 1 + Math.floor(Math.random() * 3),
      unit_price_cents: 1999,
    })),
    payment: { method: 'card', token: 'tok_visa' },
  });
}

// ---------------------------------------------------------------- bookkeeping
type Track = { intended: number; accepted?: number; terminal?: number; outcome?: 'confirmed' | 'cancelled' };
const orders = new Map<string, Track>();
const early = new Map<string, { at: number; outcome: 'confirmed' | 'cancelled' }>();
type Bucket = {
  offered: number;
  accepted: number;
  errors: number;
  terminal: number;
  confirmed: number;
  cancelled: number;
  e2e: number[];
  httpLatency: number[];
};
const buckets: Bucket[] = [];
const bucket = (t: number): Bucket => {
  const index = Math.max(0, Math.floor(t / 1000));
  for (let i = buckets.length; i <= index; i += 1)
    buckets.push({
      offered: 0,
      accepted: 0,
      errors: 0,
      terminal: 0,
      confirmed: 0,
      cancelled: 0,
      e2e: [],
      httpLatency: [],
    });
  return buckets[index]!;
};
const errorKinds = new Map<string, number>();
let t0 = 0;
let inFlightHttp = 0;
let acceptedTotal = 0;
let terminalTotal = 0;
const since = () => performance.now() - t0;

function recordTerminal(orderId: string, outcome: 'confirmed' | 'cancelled', at: number): void {
  const track = orders.get(orderId);
  if (!track) {
    early.set(orderId, { at, outcome });
    return;
  }
  if (track.terminal !== undefined || track.accepted === undefined) return;
  track.terminal = at;
  track.outcome = outcome;
  terminalTotal += 1;
  const b = bucket(at - t0);
  b.terminal += 1;
  b[outcome] += 1;
  b.e2e.push(at - track.accepted);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function fail(kind: string, at: number): void {
  errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
  bucket(at - t0).errors += 1;
}

function send(intended: number): void {
  bucket(intended - t0).offered += 1;
  if (inFlightHttp >= maxInFlight) return fail('client in-flight cap', intended);
  inFlightHttp += 1;
  const body = checkoutBody();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
  };
  if (args['idempotency-key']) headers['idempotency-key'] = randomUUID();
  const request = http.request(
    {
      agent,
      host: orderUrl.hostname,
      port: orderUrl.port,
      method: 'POST',
      path: '/create-checkout',
      headers,
      timeout: 30_000,
    },
    (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        inFlightHttp -= 1;
        const at = performance.now();
        if (response.statusCode !== 202) return fail(`HTTP ${response.statusCode}`, at);
        let orderId: string;
        try {
          orderId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { order_id: string }).order_id;
        } catch {
          return fail('unparsable 202 body', at);
        }
        const track: Track = { intended, accepted: at };
        orders.set(orderId, track);
        acceptedTotal += 1;
        const b = bucket(at - t0);
        b.accepted += 1;
        b.httpLatency.push(at - intended);
        const seen = early.get(orderId);
        if (seen) {
          early.delete(orderId);
          recordTerminal(orderId, seen.outcome, Math.max(seen.at, at));
        }
      });
    },
  );
  request.on('timeout', () => request.destroy(new Error('timeout')));
  request.on('error', (error) => {
    inFlightHttp -= 1;
    fail(
      error.message === 'timeout'
        ? 'timeout'
        : `socket: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
      performance.now(),
    );
  });
  request.end(body);
}

// ---------------------------------------------------------------- sampling
type Sample = {
  t: number;
  inFlightOrders: number;
  inFlightHttp: number;
  lag?: Record<string, number>;
  backlog?: Record<string, number>;
  cpu?: Record<string, number>;
  machineCpu?: number;
  /** 1-minute load average: shows other work on the machine (e.g. test suites) during the run. */
  loadAverage?: number;
  eventLoopP99Ms?: Record<string, number | null>;
};
const samples: Sample[] = [];
const processes = findProcesses(ROOT);
let lastCpu = Object.fromEntries(Object.entries(processes).map(([k, pid]) => [k, cpuSeconds(pid) ?? 0]));
let lastMachine = machineCpu();
let lastCpuAt = performance.now();
const cpuTotals: Record<string, number> = {};

async function probe(admin: Admin, pool: mysql.Pool): Promise<Sample> {
  const now = performance.now();
  const seconds = (now - lastCpuAt) / 1000;
  const cpu: Record<string, number> = {};
  for (const [name, pid] of Object.entries(processes)) {
    const value = cpuSeconds(pid) ?? lastCpu[name] ?? 0;
    cpu[name] = Math.round(((value - (lastCpu[name] ?? 0)) / seconds) * 1000) / 10; // % of one core
    lastCpu[name] = value;
  }
  const machine = machineCpu();
  const machinePercent =
    Math.round(
      ((machine.busy - lastMachine.busy) / Math.max(1e-9, machine.total - lastMachine.total)) * 1000,
    ) / 10;
  lastMachine = machine;
  lastCpuAt = now;
  const [lag, backlog, eventLoopP99Ms] = await Promise.all([
    consumerLag(admin).catch(() => undefined),
    outboxBacklog(pool).catch(() => undefined),
    eventLoopDelays(),
  ]);
  return {
    t: Math.round(since()) / 1000,
    inFlightOrders: acceptedTotal - terminalTotal,
    inFlightHttp,
    lag,
    backlog,
    cpu,
    machineCpu: machinePercent,
    loadAverage: os.loadavg()[0],
    eventLoopP99Ms,
  };
}

// ---------------------------------------------------------------- checker (test/system/checker)
async function runChecker(
  acceptedIds: string[],
  initialStock: Record<string, number>,
): Promise<{
  status: 'clean' | 'violations' | 'unavailable' | 'error';
  detail: string;
  violations?: number;
}> {
  try {
    const target: SystemTarget = {
      mysqlUrl,
      databases: DEFAULT_DATABASES,
      kafkaBrokers: brokers,
      registryUrl,
      topicPrefix: process.env.KAFKA_TOPIC_PREFIX ?? '',
    };
    await waitForQuiescence(target, { timeoutMs: 300_000 });
    const report = await checkConsistency(target, {
      inFlightGraceMs: 0,
      acceptedOrderIds: acceptedIds,
      initialStock,
      readTopics: !args['checker-no-topics'],
    });
    return {
      status: report.violations.length === 0 ? 'clean' : 'violations',
      detail: formatReport(report),
      violations: report.violations.length,
    };
  } catch (error) {
    return { status: 'error', detail: error instanceof Error ? error.message : String(error) };
  }
}

// ---------------------------------------------------------------- the run
// Sample once a second while sending and draining.
async function sampler(): Promise<void> {
  const sample = await probe(admin, pool);
  samples.push(sample);
  for (const [k, v] of Object.entries(sample.cpu ?? {})) cpuTotals[k] = (cpuTotals[k] ?? 0) + v;
}
const runId = randomBytes(4).toString('hex');
const kafka = new Kafka({ clientId: `bench-${runId}`, brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const pool = mysql.createPool({ uri: mysqlUrl, connectionLimit: 2 });
const observer = kafka.consumer({
  groupId: `bench-observer-${runId}`,
  maxWaitTimeInMs: 100,
  sessionTimeout: 30_000,
});

await admin.connect();
log(`stocking ${skuCount} SKUs for ${plannedOrders} planned orders`);
const initialStock = await prepareStock();
const joined = new Promise<void>((resolveJoin) =>
  observer.on(observer.events.GROUP_JOIN, () => resolveJoin()),
);
await observer.connect();
await observer.subscribe({ topics: ['order.confirmed', 'order.cancelled'], fromBeginning: false });
await observer.run({
  partitionsConsumedConcurrently: 3,
  eachBatch: async ({ batch }) => {
    const outcome = batch.topic === 'order.confirmed' ? 'confirmed' : 'cancelled';
    const at = performance.now();
    for (const message of batch.messages)
      if (message.key) recordTerminal(message.key.toString('utf8'), outcome, at);
  },
});
await joined;
await new Promise((r) => setTimeout(r, 1_500)); // let the new group settle on the latest offsets

const before = {
  db: await dbCounters(pool),
  topics: await topicRecordCount(admin),
  cpu: Object.fromEntries(Object.entries(processes).map(([k, pid]) => [k, cpuSeconds(pid) ?? 0])),
};
lastCpu = { ...before.cpu };
lastMachine = machineCpu();
t0 = performance.now();
lastCpuAt = t0;
let samplerBusy: Promise<void> = Promise.resolve();
const samplerTimer = setInterval(() => {
  samplerBusy = samplerBusy.then(sampler).catch((error: unknown) => {
    log(`sampling failed: ${String(error)}`);
  });
}, 1_000);
log(`${mode} run: ${steps.map((s) => `${s.rate}/s×${s.to - s.from}s`).join(', ')}`);

// Sender: a 1 ms tick accumulates credit at the current rate and sends with evenly spread
// intended times, so a late tick catches up instead of lowering the offered rate.
type StepResult = Step & {
  passed: boolean;
  acceptedPerSecond: number;
  terminalPerSecond: number;
  errors: number;
  inFlightAtEnd: number;
  e2e: LatencySummary;
};
const stepResults: StepResult[] = [];
let sendUntil = steps.at(-1)?.to ?? 0;
await new Promise<void>((resolveSend) => {
  let credit = 0;
  let last = 0;
  let stepIndex = 0;
  const timer = setInterval(() => {
    const now = since();
    const stop = Math.min(now, sendUntil * 1000);
    while (last < stop) {
      const step = steps[stepIndex];
      if (!step) break;
      const segmentEnd = Math.min(stop, step.to * 1000);
      const from = last;
      const newCredit = ((segmentEnd - from) / 1000) * step.rate;
      const count = Math.floor(credit + newCredit);
      for (let i = 0; i < count; i += 1) send(t0 + from + ((i + 1) / count) * (segmentEnd - from));
      credit = credit + newCredit - count;
      last = segmentEnd;
      if (segmentEnd >= step.to * 1000) {
        if (mode === 'ramp') evaluateStep(step);
        stepIndex += 1;
      }
    }
    if (now >= sendUntil * 1000) {
      clearInterval(timer);
      resolveSend();
    }
  }, 1);
  function evaluateStep(step: Step): void {
    // Judge the second half of the step (the first half absorbs the previous step's tail).
    const half = Math.floor((step.from + step.to) / 2);
    const window = buckets.slice(half, step.to);
    const seconds = Math.max(1, step.to - half);
    const acceptedPerSecond = window.reduce((s, b) => s + b.accepted, 0) / seconds;
    const terminalPerSecond = window.reduce((s, b) => s + b.terminal, 0) / seconds;
    const errors = buckets.slice(step.from, step.to).reduce((s, b) => s + b.errors, 0);
    const inFlightAtEnd = acceptedTotal - terminalTotal + inFlightHttp;
    const passed =
      acceptedPerSecond >= 0.95 * step.rate &&
      terminalPerSecond >= 0.95 * step.rate &&
      errors <= 0.005 * step.rate * (step.to - step.from) &&
      inFlightAtEnd <= Math.max(200, step.rate * 2);
    const e2e = summarize(window.flatMap((b) => b.e2e));
    stepResults.push({ ...step, passed, acceptedPerSecond, terminalPerSecond, errors, inFlightAtEnd, e2e });
    log(
      `step ${step.rate}/s: accepted ${acceptedPerSecond.toFixed(0)}/s, terminal ${terminalPerSecond.toFixed(0)}/s, ` +
        `in flight ${inFlightAtEnd}, e2e p50 ${e2e.p50} p99 ${e2e.p99} ms → ${passed ? 'keeps up' : 'falls behind'}`,
    );
    if (!passed) sendUntil = step.to; // stop ramping: orders no longer keep up
  }
});
const sendSeconds = since() / 1000;
log(`sending done after ${sendSeconds.toFixed(1)} s; draining (up to ${drainSeconds} s)`);

const drainDeadline = performance.now() + drainSeconds * 1000;
while ((inFlightHttp > 0 || acceptedTotal > terminalTotal) && performance.now() < drainDeadline) {
  await new Promise((r) => setTimeout(r, 250));
}
const drained = inFlightHttp === 0 && acceptedTotal === terminalTotal;
const endSeconds = since() / 1000;
clearInterval(samplerTimer);
await samplerBusy;
log(
  `drain ${drained ? 'complete' : 'timed out'}: ${terminalTotal}/${acceptedTotal} accepted orders terminal`,
);

const after = {
  db: await dbCounters(pool),
  topics: await topicRecordCount(admin),
  cpu: Object.fromEntries(Object.entries(processes).map(([k, pid]) => [k, cpuSeconds(pid) ?? 0])),
};
await observer.disconnect();

// ---------------------------------------------------------------- results
const tracks = [...orders.values()];
const done = tracks.filter((t) => t.terminal !== undefined && t.accepted !== undefined);
const offered = buckets.reduce((s, b) => s + b.offered, 0);
const errors = buckets.reduce((s, b) => s + b.errors, 0);
const confirmed = done.filter((t) => t.outcome === 'confirmed').length;
const cancelled = done.length - confirmed;
const acceptedSeconds = (() => {
  const firstLast = tracks.map((t) => t.accepted ?? 0).filter((x) => x > 0);
  return firstLast.length ? (Math.max(...firstLast) - Math.min(...firstLast)) / 1000 : 0;
})();
const terminalTimes = done.map((t) => t.terminal!);
const terminalSpan = terminalTimes.length ? (Math.max(...terminalTimes) - t0) / 1000 : 0;
const perCheckout = (delta: number) =>
  acceptedTotal ? Math.round((delta / acceptedTotal) * 100) / 100 : null;
const dbDelta = Object.fromEntries(
  Object.keys(after.db).map((k) => [k, (after.db[k] ?? 0) - (before.db[k] ?? 0)]),
);
const topicDelta = Object.fromEntries(
  Object.keys(after.topics).map((k) => [k, (after.topics[k] ?? 0) - (before.topics[k] ?? 0)]),
);
const cpuDelta = Object.fromEntries(
  Object.keys(after.cpu).map((k) => [
    k,
    Math.round(((after.cpu[k] ?? 0) - (before.cpu[k] ?? 0)) * 100) / 100,
  ]),
);
const cancelledReasons: Record<string, number> = {};
for (const [orderId, track] of [...orders].filter(([, t]) => t.outcome === 'cancelled').slice(0, 50)) {
  void track;
  const response = await fetch(`${orderUrl.origin}/orders/${orderId}`).catch(() => undefined);
  const reason = response?.ok
    ? ((await response.json()) as { status_reason: string | null }).status_reason
    : 'unknown';
  cancelledReasons[reason ?? 'null'] = (cancelledReasons[reason ?? 'null'] ?? 0) + 1;
}

log('running the consistency checker');
const checker = args['no-checker']
  ? { status: 'unavailable' as const, detail: 'skipped (--no-checker)' }
  : await runChecker([...orders.keys()], initialStock);
log(`checker: ${checker.status}`);

const windowAverage = (values: number[]) =>
  values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
const steadyFrom = Math.min(5, Math.floor(sendSeconds / 4)); // skip the first seconds (warm-up)
const steady = buckets.slice(steadyFrom, Math.floor(sendSeconds));
const result = {
  kind: 'load',
  mode,
  label,
  startedAt: new Date(Date.now() - endSeconds * 1000).toISOString(),
  config: {
    steps: steps.map(({ rate, from, to }) => ({ rate, from, to })),
    skus: skuCount,
    idempotencyKey: args['idempotency-key'],
    drainSeconds,
    terminalObservedVia: 'order.confirmed / order.cancelled topics (bench consumer group, key = order_id)',
  },
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    processes: Object.keys(processes),
  },
  totals: {
    offered,
    accepted: acceptedTotal,
    errors,
    errorKinds: Object.fromEntries(errorKinds),
    terminal: done.length,
    confirmed,
    cancelled,
    cancelledReasonsSample: cancelledReasons,
    notTerminal: acceptedTotal - done.length,
    drained,
    sendSeconds: Math.round(sendSeconds * 10) / 10,
    endSeconds: Math.round(endSeconds * 10) / 10,
  },
  throughput: {
    offeredPerSecond: Math.round(offered / Math.max(1, Math.floor(sendSeconds))),
    acceptedPerSecond: Math.round(acceptedTotal / Math.max(1e-9, acceptedSeconds)),
    steadyAcceptedPerSecond: Math.round(windowAverage(steady.map((b) => b.accepted))),
    steadyTerminalPerSecond: Math.round(windowAverage(steady.map((b) => b.terminal))),
    terminalPerSecondOverRun: Math.round(done.length / Math.max(1e-9, terminalSpan)),
  },
  latencyMs: {
    e2e: summarize(done.map((t) => t.terminal! - t.accepted!)),
    total: summarize(done.map((t) => t.terminal! - t.intended)),
    http: summarize(tracks.filter((t) => t.accepted !== undefined).map((t) => t.accepted! - t.intended)),
  },
  perCheckout: {
    kafkaRecords: perCheckout(Object.values(topicDelta).reduce((a, b) => a + b, 0)),
    kafkaRecordsByTopic: Object.fromEntries(Object.entries(topicDelta).map(([k, v]) => [k, perCheckout(v)])),
    dbCommits: perCheckout(dbDelta.Com_commit ?? 0),
    dbHandlerCommits: perCheckout(dbDelta.Handler_commit ?? 0),
    dbQueries: perCheckout(dbDelta.Questions ?? 0),
    dbLogFsyncs: perCheckout(dbDelta.Innodb_os_log_fsyncs ?? 0),
    cpuMs: Object.fromEntries(
      Object.entries(cpuDelta).map(([k, v]) => [
        k,
        acceptedTotal ? Math.round((v / acceptedTotal) * 1e5) / 100 : null,
      ]),
    ),
    note: 'MariaDB counters are global: other clients of the same server add to them',
  },
  machine1mLoadAverage: {
    median: median(samples.map((x) => x.loadAverage ?? 0)),
    max: Math.max(0, ...samples.map((x) => x.loadAverage ?? 0)),
  },
  machineCpuPercentAverage: Math.round(windowAverage(samples.map((x) => x.machineCpu ?? 0)) * 10) / 10,
  cpuPercentAverage: Object.fromEntries(
    Object.entries(cpuTotals).map(([k, v]) => [k, Math.round((v / Math.max(1, samples.length)) * 10) / 10]),
  ),
  steps: stepResults,
  maxSustainedPerSecond:
    mode === 'ramp' ? (stepResults.filter((s) => s.passed).at(-1)?.rate ?? 0) : undefined,
  checker,
  series: {
    perSecond: buckets.map((b, t) => ({
      t,
      offered: b.offered,
      accepted: b.accepted,
      errors: b.errors,
      terminal: b.terminal,
      e2e: b.e2e.length ? summarize(b.e2e) : null,
      httpP99: b.httpLatency.length ? summarize(b.httpLatency).p99 : null,
    })),
    samples,
  },
};

mkdirSync(dirname(outJson), { recursive: true });
writeFileSync(outJson, `${JSON.stringify(result, null, 1)}\n`);
writeFileSync(outJson.replace(/\.json$/, '.svg'), chart(result));
writeFileSync(outJson.replace(/\.json$/, '.md'), markdown(result));
log(`wrote ${outJson} (.md, .svg)`);
process.stdout.write(`${markdown(result)}\n`);

await admin.disconnect();
await pool.end();
agent.destroy();
process.exit(0);

// ---------------------------------------------------------------- rendering
function chart(r: typeof result): string {
  const per = r.series.perSecond;
  const palette = [
    '#1f77b4',
    '#ff7f0e',
    '#2ca02c',
    '#d62728',
    '#9467bd',
    '#8c564b',
    '#e377c2',
    '#7f7f7f',
    '#bcbd22',
  ];
  const panels: Panel[] = [
    {
      title: 'Throughput (per second)',
      unit: 'checkouts/s',
      series: [
        { name: 'offered', color: '#999', dashed: true, points: per.map((b) => [b.t, b.offered]) },
        { name: '202 accepted', color: '#1f77b4', points: per.map((b) => [b.t, b.accepted]) },
        { name: 'terminal', color: '#2ca02c', points: per.map((b) => [b.t, b.terminal]) },
        { name: 'errors', color: '#d62728', points: per.map((b) => [b.t, b.errors]) },
      ],
    },
    {
      title: 'Latency 202 → terminal, by second of completion (log scale)',
      unit: 'ms',
      logY: true,
      series: [
        { name: 'p50', color: '#2ca02c', points: per.map((b) => [b.t, b.e2e?.p50 ?? null]) },
        { name: 'p99', color: '#ff7f0e', points: per.map((b) => [b.t, b.e2e?.p99 ?? null]) },
        { name: 'max', color: '#d62728', points: per.map((b) => [b.t, b.e2e?.max ?? null]) },
        {
          name: 'HTTP p99 (intended→202)',
          color: '#9467bd',
          dashed: true,
          points: per.map((b) => [b.t, b.httpP99]),
        },
      ],
    },
    {
      title: 'Consumer lag (records) and outbox backlog (rows)',
      unit: 'records / rows',
      series: [
        ...['order', 'payment', 'inventory', 'notify'].map((s, i) => ({
          name: `lag ${s}`,
          color: palette[i] ?? '#000',
          points: r.series.samples.map((x): [number, number | null] => [x.t, x.lag?.[s] ?? null]),
        })),
        ...['order', 'payment', 'inventory', 'notify'].map((s, i) => ({
          name: `outbox ${s}`,
          color: palette[i] ?? '#000',
          dashed: true,
          points: r.series.samples.map((x): [number, number | null] => [x.t, x.backlog?.[s] ?? null]),
        })),
      ],
    },
    {
      title: 'CPU (% of one core)',
      unit: '%',
      series: Object.keys(r.series.samples[0]?.cpu ?? {}).map((name, i) => ({
        name,
        color: palette[i % palette.length] ?? '#000',
        points: r.series.samples.map((x): [number, number | null] => [x.t, x.cpu?.[name] ?? null]),
      })),
    },
  ];
  return renderChart(`make bench — ${r.label} (${r.startedAt})`, panels);
}

function markdown(r: typeof result): string {
  const l = r.latencyMs;
  const row = (name: string, s: LatencySummary) =>
    `| ${name} | ${s.count} | ${s.p50} | ${s.p90} | ${s.p99} | ${s.p999} | ${s.max} |`;
  const lines = [
    `# Bench: ${r.label} (${r.startedAt})`,
    '',
    `Mode **${r.mode}**: ${r.config.steps.map((s) => `${s.rate}/s for ${s.to - s.from} s`).join(', ')}; terminal status observed via ${r.config.terminalObservedVia}.`,
    '',
    `| offered | accepted (202) | errors | terminal | confirmed | cancelled | not terminal | drained |`,
    `|---|---|---|---|---|---|---|---|`,
    `| ${r.totals.offered} | ${r.totals.accepted} | ${r.totals.errors} | ${r.totals.terminal} | ${r.totals.confirmed} | ${r.totals.cancelled} | ${r.totals.notTerminal} | ${r.totals.drained} |`,
    '',
    `Throughput: offered ${r.throughput.offeredPerSecond}/s, accepted ${r.throughput.acceptedPerSecond}/s, ` +
      `steady-state accepted ${r.throughput.steadyAcceptedPerSecond}/s and terminal ${r.throughput.steadyTerminalPerSecond}/s.` +
      (r.maxSustainedPerSecond !== undefined
        ? ` **Max sustained: ${r.maxSustainedPerSecond} checkouts/s.**`
        : ''),
    '',
    '| latency (ms) | n | p50 | p90 | p99 | p99.9 | max |',
    '|---|---|---|---|---|---|---|',
    row('202 → terminal (e2e)', l.e2e),
    row('intended send → terminal', l.total),
    row('intended send → 202 (HTTP)', l.http),
    '',
    `Per checkout: ${r.perCheckout.kafkaRecords} Kafka records, ${r.perCheckout.dbCommits} explicit DB commits ` +
      `(${r.perCheckout.dbHandlerCommits} handler commits), ${r.perCheckout.dbQueries} DB statements, ${r.perCheckout.dbLogFsyncs} redo-log fsyncs; ` +
      `CPU ms: ${Object.entries(r.perCheckout.cpuMs)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
    '',
    `Machine: CPU busy ${r.machineCpuPercentAverage} % of all cores on average, 1-min load average median ${r.machine1mLoadAverage.median.toFixed(1)} (max ${r.machine1mLoadAverage.max.toFixed(1)}) on ${r.machine.cpus} cores.`,
    '',
    `Average CPU (% of one core): ${Object.entries(r.cpuPercentAverage)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
    `Checker: **${r.checker.status}**${'violations' in r.checker && r.checker.violations !== undefined ? ` (${r.checker.violations} violations)` : ''}.`,
  ];
  if (Object.keys(r.totals.errorKinds).length)
    lines.push('', `Errors: ${JSON.stringify(r.totals.errorKinds)}`);
  if (r.steps.length) {
    lines.push(
      '',
      '| step rate | accepted/s | terminal/s | errors | in flight at end | e2e p50 | e2e p99 | keeps up |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const s of r.steps)
      lines.push(
        `| ${s.rate} | ${s.acceptedPerSecond.toFixed(0)} | ${s.terminalPerSecond.toFixed(0)} | ${s.errors} | ${s.inFlightAtEnd} | ${s.e2e.p50} | ${s.e2e.p99} | ${s.passed ? 'yes' : 'no'} |`,
      );
  }
  return `${lines.join('\n')}\n`;
}
