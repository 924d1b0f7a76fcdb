// Fault injection: while the load generator places checkouts at a steady rate, crash every
// part of the system in turn — SIGKILL order (with its outbox relay), payment, inventory,
// notify; SIGKILL the Kafka broker; SIGKILL MariaDB — and restart it. Then wait for
// quiescence and judge the result with the consistency checker. The infrastructure comes
// from sandbox-infra.ts: a broker and MariaDB of the run's own (so its crashes touch nothing
// else), or the three-broker cluster, where one broker is killed under load.
import mysql, { type RowDataPacket } from 'mysql2/promise';
import { checkConsistency, waitForQuiescence, type Violation } from './checker/index.ts';
import { runLoad, type LoadResult } from './load-generator.ts';
import type { FaultEnvironment } from './sandbox-infra.ts';
import { checkoutBody, shopClient, type CheckoutBody } from './shop-client.ts';
import { SERVICES, startSystem, type RunningSystem } from './system-processes.ts';

/** SIGKILL and restart of one instance of each service (order's includes its outbox relay). */
export const SERVICE_FAULTS = SERVICES.map((service) => `kill ${service}`);

export type ChaosOptions = {
  name: string;
  /** Starts the infrastructure the run may crash (and the faults it offers). */
  environment: () => Promise<FaultEnvironment>;
  /** Fault kinds injected in turn, round robin: SERVICE_FAULTS and the environment's. */
  faults: string[];
  /** How long the load runs; faults are injected only while it does. */
  durationMs: number;
  ratePerSecond: number;
  /** Pause between the recovery from one fault and the next fault. */
  faultGapMs: number;
  quiescenceTimeoutMs?: number;
  log?: (line: string) => void;
};

export type ChaosReport = {
  durationMs: number;
  faults: { kind: string; atMs: number; recoveryMs: number }[];
  load: Omit<LoadResult, 'accepted'> & { accepted: number };
  /** Exits the harness restarted as the supervisor (the runtime exits on a stuck consumer). */
  supervisorRestarts: number;
  quiescenceMs: number;
  outcomes: Record<string, number>;
  /** Accepted orders missing (the checker's accepted-order-lost), and checkouts (customer ids) with more than one order. */
  lost: string[];
  duplicated: string[];
  violations: Violation[];
};

const SKUS = ['CHAOS-A', 'CHAOS-B', 'CHAOS-C', 'CHAOS-D', 'CHAOS-E'];
const PLENTY = 1_000_000;
const SCARCE = { sku: 'CHAOS-SCARCE', units: 40 };

/** Every outcome of the contract appears in the mix; CHAOS-SCARCE runs out under the load. */
function chaosCheckout(n: number): CheckoutBody {
  const sku = SKUS[n % SKUS.length]!;
  switch (n % 10) {
    case 0:
      return checkoutBody({ items: [{ sku, quantity: 1, unit_price_cents: 150_000 }] });
    case 1:
      return checkoutBody({
        items: [{ sku, quantity: 1, unit_price_cents: 700 }],
        payment: { method: 'card', token: 'tok_declined' },
      });
    case 2:
      return checkoutBody({ items: [{ sku: 'CHAOS-NO-SUCH-SKU', quantity: 1, unit_price_cents: 700 }] });
    case 3:
      return checkoutBody({ items: [{ sku: SCARCE.sku, quantity: 1 + (n % 3), unit_price_cents: 900 }] });
    default:
      return checkoutBody({
        customer_email: n % 7 === 0 ? undefined : 'ana@example.com',
        items: [
          { sku, quantity: 1 + (n % 2), unit_price_cents: 1999 },
          { sku: SKUS[(n + 1) % SKUS.length]!, quantity: 1, unit_price_cents: 500 },
        ],
      });
  }
}

async function orderTallies(system: RunningSystem) {
  // checkoutBody gives every checkout its own customer_id, kept across the retries of its key.
  const connection = await mysql.createConnection(
    `${system.target.mysqlUrl}/${system.target.databases.order}`,
  );
  try {
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id HAVING n > 1',
    );
    const [outcomes] = await connection.query<RowDataPacket[]>(
      'SELECT CONCAT(status, IFNULL(CONCAT(" ", status_reason), "")) AS outcome, COUNT(*) AS n FROM orders GROUP BY outcome',
    );
    return {
      duplicated: rows.map((row) => row.customer_id as string),
      outcomes: Object.fromEntries(outcomes.map((row) => [row.outcome as string, Number(row.n)])),
    };
  } finally {
    await connection.end();
  }
}

/** Runs load + faults + quiescence + checker; always tears its processes and infrastructure down. */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const environment = await options.environment();
  const unknown = options.faults.filter(
    (kind) => !SERVICE_FAULTS.includes(kind) && !environment.faults[kind],
  );
  if (unknown.length) {
    await environment.stop();
    throw new Error(`unknown fault kinds: ${unknown.join(', ')}`);
  }
  let system: RunningSystem | undefined;
  try {
    const env = environment.serviceEnv;
    system = await startSystem({
      name: options.name,
      infra: environment.infra,
      supervise: true,
      readyTimeoutMs: 120_000,
      env: { order: env, payment: env, inventory: env, notify: { ...env, NOTIFY_RETRY_BASE_MS: '200' } },
    });
    const running = system;
    const client = shopClient({
      order: running.url('order'),
      payment: running.url('payment'),
      inventory: running.url('inventory'),
      notify: running.url('notify'),
    });
    for (const sku of SKUS) await client.setStock(sku, PLENTY);
    await client.setStock(SCARCE.sku, SCARCE.units);
    log(
      `system up in ${Date.now() - started} ms; load ${options.ratePerSecond}/s for ${options.durationMs / 1000} s`,
    );

    const loadStarted = Date.now();
    const load = runLoad({
      client,
      ratePerSecond: options.ratePerSecond,
      durationMs: options.durationMs,
      body: chaosCheckout,
    });
    const faults: ChaosReport['faults'] = [];
    for (let n = 0; Date.now() - loadStarted < options.durationMs - options.faultGapMs; n += 1) {
      await new Promise((resolve) => setTimeout(resolve, options.faultGapMs));
      const kind = options.faults[n % options.faults.length]!;
      const at = Date.now();
      const instance = running.instances.find((i) => kind === `kill ${i.service}`);
      if (instance) {
        await running.kill(instance);
        await running.restart(instance);
      } else {
        await environment.faults[kind]!();
      }
      faults.push({ kind, atMs: at - loadStarted, recoveryMs: Date.now() - at });
      log(
        `fault ${faults.length}: ${kind} at ${((at - loadStarted) / 1000).toFixed(1)} s, back in ${Date.now() - at} ms`,
      );
    }
    const loadResult = await load;
    log(
      `load done: ${loadResult.accepted.size} accepted of ${loadResult.placed}, ${loadResult.retries} retries`,
    );

    // Everything that crashed by itself is back (the supervisor restarts it) before judging.
    const quiet = Date.now();
    await waitForQuiescence(running.target, { timeoutMs: options.quiescenceTimeoutMs ?? 180_000 });
    const quiescenceMs = Date.now() - quiet;
    log(`quiescent after ${quiescenceMs} ms; checking`);
    const report = await checkConsistency(running.target, {
      acceptedOrderIds: loadResult.accepted.values(),
      initialStock: { ...Object.fromEntries(SKUS.map((sku) => [sku, PLENTY])), [SCARCE.sku]: SCARCE.units },
    });
    const tallies = await orderTallies(running);
    const { accepted, ...loadFigures } = loadResult;
    return {
      durationMs: Date.now() - started,
      faults,
      load: { ...loadFigures, accepted: accepted.size },
      supervisorRestarts: running.instances.reduce((sum, i) => sum + i.unexpectedExits, 0),
      quiescenceMs,
      outcomes: tallies.outcomes,
      lost: report.violations.find((v) => v.invariant === 'accepted-order-lost')?.orderIds ?? [],
      duplicated: tallies.duplicated,
      violations: report.violations,
    };
  } finally {
    await system?.stop();
    await environment.stop();
  }
}

/** The report as the lines a person reads (chaos CLI and test output). */
export function formatChaosReport(report: ChaosReport): string {
  const byKind = Object.groupBy(report.faults, (f) => f.kind);
  const recovery = report.faults.map((f) => f.recoveryMs).toSorted((a, b) => a - b);
  return [
    `duration ${(report.durationMs / 1000).toFixed(0)} s; faults injected: ${report.faults.length} (` +
      Object.entries(byKind)
        .map(([kind, list]) => `${kind} ×${list?.length ?? 0}`)
        .join(', ') +
      `); median recovery ${recovery[Math.floor(recovery.length / 2)] ?? 0} ms`,
    `checkouts placed ${report.load.placed}, accepted ${report.load.accepted}, given up ${report.load.givenUp.length}, ` +
      `retried attempts ${report.load.retries}, 5xx answers ${report.load.serverErrors}`,
    `outcomes: ${Object.entries(report.outcomes)
      .map(([o, n]) => `${o} ${n}`)
      .join(', ')}`,
    `supervisor restarts (self-exits): ${report.supervisorRestarts}; quiescent ${(report.quiescenceMs / 1000).toFixed(1)} s after the load`,
    `lost ${report.lost.length}, duplicated ${report.duplicated.length}, invariant violations ${report.violations.length}`,
    ...report.violations.map(
      (v) => `VIOLATION ${v.invariant}: ${v.message} ${v.orderIds.slice(0, 10).join(' ')}`,
    ),
  ].join('\n');
}
