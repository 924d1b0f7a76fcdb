// The payment service's consumed topics and their handlers (main.ts and tests share it).
import type { HandlerMap } from '@commerce/platform/consumer';
import type { PaymentGateway } from '../../../domain/payment-gateway.ts';
import { createOnOrderCreated } from './order-created.ts';
import { onOrderCancelled } from './order-cancelled.ts';

export function paymentHandlers(gateway: PaymentGateway): HandlerMap {
  return { 'order.created': createOnOrderCreated(gateway), 'order.cancelled': onOrderCancelled };
}
