-- One row per order: the UNIQUE order_id is what makes a redelivered order.created (even
-- under a new event_id) unable to charge twice. CANCELLED_BEFORE_CHARGE is a tombstone: the
-- order.cancelled overtook its order.created, so a later order.created must not charge; it
-- is not a payment and GET /payments/{order_id} answers 404 for it.
CREATE TABLE IF NOT EXISTS payments (
  payment_id CHAR(36) NOT NULL PRIMARY KEY,
  order_id VARCHAR(64) NOT NULL,
  amount_cents BIGINT NOT NULL,
  currency CHAR(3) NOT NULL,
  status ENUM('CONFIRMED', 'FAILED', 'REFUNDED', 'CANCELLED_BEFORE_CHARGE') NOT NULL,
  reason VARCHAR(64) NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_payments_order (order_id)
) ENGINE = InnoDB;
