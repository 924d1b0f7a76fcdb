// The port to a payment provider. The built-in implementation is the rule-based simulator;
// a real provider would sit behind the same interface.
import { decideCharge, type ChargeRequest, type ChargeResult, type ChargeRules } from './charge-rules.ts';

export type PaymentGateway = { charge: (request: ChargeRequest) => Promise<ChargeResult> };

/** The simulator: CONTRACT.md's decline rules, deterministic per order. */
export function createSimulatedGateway(rules: ChargeRules): PaymentGateway {
  return { charge: async (request) => decideCharge(request, rules) };
}
