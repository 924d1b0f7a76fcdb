// The inventory service's consumed topics and their handlers (main.ts and tests share it).
import type { HandlerMap } from '@commerce/platform/consumer';
import { onOrderCreated } from './order-created.ts';
import { onOrderConfirmed } from './order-confirmed.ts';
import { onOrderCancelled } from './order-cancelled.ts';

export const inventoryHandlers: HandlerMap = {
  'order.created': onOrderCreated,
  'order.confirmed': onOrderConfirmed,
  'order.cancelled': onOrderCancelled,
};
