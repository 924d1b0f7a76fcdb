// Combines one `make bench` run's JSON files (ceilings, fixed, ramp, sustain) into report.md:
// the system's figures beside the machine's ceilings, as ratios.
//   node bench/report.ts <results dir>
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

type Latency = { count: number; p50: number; p90: number; p99: number; p999: number; max: number };
type Load = {
  kind: 'load';
  mode: 'fixed' | 'ramp';
  label: string;
  startedAt: string;
  config: { steps: { rate: number; from: number; to: number }[] };
  machine: { cpus: number; cpuModel: string; memoryGiB: number; kernel: string; node: string };
  totals: {
    offered: number;
    accepted: number;
    errors: number;
    terminal: number;
    confirmed: number;
    cancelled: number;
    notTerminal: number;
    drained: boolean;
  };
  throughput: {
    offeredPerSecond: number;
    acceptedPerSecond: number;
    steadyAcceptedPerSecond: number;
    steadyTerminalPerSecond: number;
  };
  latencyMs: { e2e: Latency; total: Latency; http: Latency };
  perCheckout: {
    kafkaRecords: number | null;
    dbCommits: number | null;
    dbQueries: number | null;
    cpuMs: Record<string, number | null>;
  };
  cpuPercentAverage: Record<string, number>;
  maxSustainedPerSecond?: number;
  checker: { status: string; violations?: number };
};
type Ceilings = {
  kind: 'ceilings';
  recordBytes: number;
  producerPerf: { available: boolean; recordsPerSecond?: number; toolsVersion?: string; note: string };
  kafkajs: { produceConsumePerSecond: number; producePerSecond: number };
  mariadb: { best: number; transactionsPerSecond: Record<string, number>; settings: Record<string, string> };
};

const dir = resolve(process.argv[2] ?? 'bench/results/latest');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const docs = files.map((f) => ({
  file: f,
  doc: JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as Load | Ceilings,
}));
const ceilings = docs.find((d) => d.doc.kind === 'ceilings')?.doc as Ceilings | undefined;
const loads = docs.filter((d) => d.doc.kind === 'load') as { file: string; doc: Load }[];
const fixed = loads
  .filter((l) => l.doc.mode === 'fixed')
  .sort((a, b) => a.doc.startedAt.localeCompare(b.doc.startedAt));
const ramp = loads.find((l) => l.doc.mode === 'ramp');
const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined || !Number.isFinite(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits });
const ratio = (a: number | null | undefined, b: number | null | undefined) =>
  a && b ? `${((a / b) * 100).toFixed(1)} %` : '–';

const lines: string[] = [`# make bench — ${new Date().toISOString()}`, ''];
const machine = loads[0]?.doc.machine;
if (machine)
  lines.push(
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}; ` +
      'Kafka, registry, MariaDB, Redis, the four services and the load generator all on it.',
    '',
  );

lines.push(
  '## Load runs',
  '',
  '| run | offered/s | accepted/s | errors | terminal | confirmed | cancelled | not terminal | e2e p50 | p90 | p99 | p99.9 | max (ms) | HTTP p99 | checker |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
);
for (const { doc } of [...fixed, ...(ramp ? [ramp] : [])]) {
  const e = doc.latencyMs.e2e;
  lines.push(
    `| ${doc.label} | ${doc.throughput.offeredPerSecond} | ${doc.throughput.acceptedPerSecond} | ${doc.totals.errors} | ${doc.totals.terminal} | ${doc.totals.confirmed} | ${doc.totals.cancelled} | ${doc.totals.notTerminal} | ${fmt(e.p50)} | ${fmt(e.p90)} | ${fmt(e.p99)} | ${fmt(e.p999)} | ${fmt(e.max)} | ${fmt(doc.latencyMs.http.p99)} | ${doc.checker.status} |`,
  );
}
lines.push('', 'e2e = 202 received → order.confirmed/cancelled record seen by the bench consumer (ms).', '');

if (ramp) {
  lines.push(
    `**Max sustained (ramp): ${ramp.doc.maxSustainedPerSecond} checkouts/s** (a step keeps up when accepted and terminal/s ≥ 95 % of the offered rate, errors ≤ 0.5 %, and no more than 2 s of orders in flight).`,
    '',
  );
}

const reference = ramp?.doc ?? fixed.at(-1)?.doc;
if (ceilings && reference) {
  const rate = ramp?.doc.maxSustainedPerSecond ?? reference.throughput.steadyTerminalPerSecond;
  const recordsPerCheckout = reference.perCheckout.kafkaRecords ?? 4;
  const commitsPerCheckout = reference.perCheckout.dbCommits ?? 0;
  const kafkaRate = rate * recordsPerCheckout;
  const commitRate = rate * commitsPerCheckout;
  lines.push(
    '## Beside the ceilings',
    '',
    `Record size ${ceilings.recordBytes} B (an order.created: key, Avro value, headers).`,
    '',
    '| figure | ours | ceiling | ratio |',
    '|---|---|---|---|',
    `| Kafka records/s (${fmt(recordsPerCheckout, 2)} per checkout × ${rate}/s) | ${fmt(kafkaRate)} | ProducerPerformance${ceilings.producerPerf.toolsVersion ? ` (kafka-tools ${ceilings.producerPerf.toolsVersion})` : ''}: ${fmt(ceilings.producerPerf.recordsPerSecond)} | ${ratio(kafkaRate, ceilings.producerPerf.recordsPerSecond)} |`,
    `| Kafka records/s | ${fmt(kafkaRate)} | raw kafkajs produce→consume: ${fmt(ceilings.kafkajs.produceConsumePerSecond)} | ${ratio(kafkaRate, ceilings.kafkajs.produceConsumePerSecond)} |`,
    `| checkouts/s | ${fmt(rate)} | MariaDB checkout transactions/s (durable, best of 1/8/32 connections): ${fmt(ceilings.mariadb.best)} | ${ratio(rate, ceilings.mariadb.best)} |`,
    `| DB commits/s (${fmt(commitsPerCheckout, 2)} per checkout) | ${fmt(commitRate)} | the same MariaDB ceiling | ${ratio(commitRate, ceilings.mariadb.best)} |`,
    '',
    `MariaDB settings: ${Object.entries(ceilings.mariadb.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}. ${ceilings.producerPerf.note}`,
    '',
  );
}

if (reference) {
  lines.push(
    '## Per checkout',
    '',
    `${reference.label}: ${fmt(reference.perCheckout.kafkaRecords, 2)} Kafka records, ${fmt(reference.perCheckout.dbCommits, 2)} DB commits, ${fmt(reference.perCheckout.dbQueries, 1)} DB statements; CPU ms per checkout: ${Object.entries(
      reference.perCheckout.cpuMs,
    )
      .map(([k, v]) => `${k} ${fmt(v, 2)}`)
      .join(', ')}.`,
    '',
    `Average CPU over the run (% of one core): ${Object.entries(reference.cpuPercentAverage)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
  );
}

lines.push('## Plots', '', ...loads.map(({ file }) => `- ${file.replace(/\.json$/, '.svg')}`), '');
if (ramp?.doc) {
  lines.push(
    '## Ramp steps',
    '',
    readFileSync(`${dir}/${ramp.file.replace(/\.json$/, '.md')}`, 'utf8').split('| step rate')[1]
      ? `| step rate${readFileSync(`${dir}/${ramp.file.replace(/\.json$/, '.md')}`, 'utf8').split('| step rate')[1]}`
      : '',
  );
}
writeFileSync(`${dir}/report.md`, `${lines.join('\n')}\n`);
process.stdout.write(`${lines.join('\n')}\n`);
