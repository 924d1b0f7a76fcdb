import { describe, expect, it } from 'vitest';
import { decide, initialSagaState, type SagaInput, type SagaState } from './saga.ts';

const start = new Date('2026-01-01T00:00:00Z');
const deadline = new Date(start.getTime() + 30_000);
const before = new Date(start.getTime() + 1_000);
const after = new Date(deadline.getTime() + 1);

const paid: SagaInput = { type: 'payment.confirmed', payment_id: 'pay_1' };
const declined: SagaInput = { type: 'payment.failed' };
const reserved: SagaInput = { type: 'stock.reserved' };
const outOfStock: SagaInput = { type: 'stock.rejected', reason: 'OUT_OF_STOCK' };
const expired: SagaInput = { type: 'deadline-expired' };

/** Given inputs in order, the final state and every emitted output. */
function run(inputs: SagaInput[], now = before) {
  let state: SagaState = initialSagaState(deadline);
  const emitted: unknown[] = [];
  for (const input of inputs) {
    const decision = decide(state, input, now);
    state = decision.state;
    emitted.push(...decision.emit);
  }
  return { state, emitted };
}

describe('order saga decide', () => {
  it.each([
    ['payment then stock', [paid, reserved]],
    ['stock then payment', [reserved, paid]],
  ])('confirms once both succeed (%s)', (_name, inputs) => {
    const { state, emitted } = run(inputs);
    expect(state).toMatchObject({ status: 'CONFIRMED', payment_id: 'pay_1', reason: null });
    expect(emitted).toEqual([{ type: 'order.confirmed' }]);
  });

  it('stays PENDING with one success only', () => {
    expect(run([paid])).toMatchObject({ state: { status: 'PENDING', payment: 'confirmed' }, emitted: [] });
    expect(run([reserved])).toMatchObject({ state: { status: 'PENDING', stock: 'reserved' }, emitted: [] });
  });

  it('cancels with PAYMENT_DECLINED on payment.failed, whatever came before', () => {
    for (const inputs of [[declined], [reserved, declined], [declined, reserved]]) {
      const { state, emitted } = run(inputs);
      expect(state).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
      expect(emitted).toEqual([{ type: 'order.cancelled', reason: 'PAYMENT_DECLINED' }]);
    }
  });

  it('cancels with the stock reason on stock.rejected', () => {
    expect(run([paid, outOfStock]).emitted).toEqual([{ type: 'order.cancelled', reason: 'OUT_OF_STOCK' }]);
    const unknown = run([{ type: 'stock.rejected', reason: 'UNKNOWN_SKU' }, paid]);
    expect(unknown.state).toMatchObject({ status: 'CANCELLED', reason: 'UNKNOWN_SKU' });
    expect(unknown.emitted).toHaveLength(1);
  });

  it('only the first failure counts', () => {
    const { state, emitted } = run([outOfStock, declined]);
    expect(state.reason).toBe('OUT_OF_STOCK');
    expect(emitted).toEqual([{ type: 'order.cancelled', reason: 'OUT_OF_STOCK' }]);
  });

  it('ignores duplicates: one confirmation only', () => {
    const { state, emitted } = run([paid, paid, reserved, reserved, paid]);
    expect(state.status).toBe('CONFIRMED');
    expect(emitted).toEqual([{ type: 'order.confirmed' }]);
  });

  it('a failure after confirmation changes nothing', () => {
    const { state, emitted } = run([paid, reserved, declined, outOfStock, expired]);
    expect(state).toMatchObject({ status: 'CONFIRMED', reason: null });
    expect(emitted).toEqual([{ type: 'order.confirmed' }]);
  });

  it('the deadline cancels a PENDING order with TIMEOUT', () => {
    const { state, emitted } = run([paid, expired], after);
    expect(state).toMatchObject({ status: 'CANCELLED', reason: 'TIMEOUT' });
    expect(emitted).toEqual([{ type: 'order.cancelled', reason: 'TIMEOUT' }]);
  });

  it('late events after a timeout change nothing', () => {
    const timedOut = decide(initialSagaState(deadline), expired, after).state;
    for (const input of [paid, reserved, declined, outOfStock, expired]) {
      const decision = decide(timedOut, input, after);
      expect(decision.state).toBe(timedOut);
      expect(decision.emit).toEqual([]);
    }
  });

  it('an outcome arriving past the deadline of a PENDING order cancels it with TIMEOUT', () => {
    const halfway = run([reserved]).state;
    const { state, emit } = decide(halfway, paid, after);
    expect(state).toMatchObject({ status: 'CANCELLED', reason: 'TIMEOUT', payment_id: 'pay_1' });
    expect(emit).toEqual([{ type: 'order.cancelled', reason: 'TIMEOUT' }]);
  });

  it('the deadline does nothing to a finished order', () => {
    const confirmed = run([paid, reserved]).state;
    expect(decide(confirmed, expired, after)).toEqual({ state: confirmed, emit: [] });
  });
});
