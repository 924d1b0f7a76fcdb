-- The order projection, its lines, the saga timeline and remembered Idempotency-Keys.
-- Times are UTC DATETIME(3) (the pool uses timezone 'Z'); money is BIGINT minor units.
-- utf8mb4_bin: ids, SKUs and Idempotency-Keys compare exactly ("abc" is not "ABC").
CREATE TABLE orders (
  order_id        CHAR(36)     NOT NULL PRIMARY KEY,
  customer_id     VARCHAR(100) NOT NULL,
  customer_email  VARCHAR(254) NULL,
  currency        CHAR(3)      NOT NULL,
  total_cents     BIGINT       NOT NULL,
  status          VARCHAR(16)  NOT NULL,
  status_reason   VARCHAR(32)  NULL,
  payment_status  VARCHAR(16)  NOT NULL DEFAULT 'pending',
  stock_status    VARCHAR(16)  NOT NULL DEFAULT 'pending',
  payment_id      VARCHAR(100) NULL,
  payment_method  VARCHAR(32)  NULL,
  correlation_id  CHAR(36)     NOT NULL,
  deadline_at     DATETIME(3)  NOT NULL,
  created_at      DATETIME(3)  NOT NULL,
  updated_at      DATETIME(3)  NOT NULL,
  -- the sweeper scans PENDING orders by deadline
  KEY idx_orders_status_deadline (status, deadline_at),
  -- list pages: newest first, optionally per customer / status
  KEY idx_orders_created (created_at, order_id),
  KEY idx_orders_customer_created (customer_id, created_at, order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE order_items (
  order_id         CHAR(36)    NOT NULL,
  line_no          INT         NOT NULL,
  sku              VARCHAR(64) NOT NULL,
  quantity         INT         NOT NULL,
  unit_price_cents BIGINT      NOT NULL,
  PRIMARY KEY (order_id, line_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE order_events (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id    CHAR(36)     NOT NULL,
  event_id    CHAR(36)     NOT NULL,
  event_type  VARCHAR(64)  NOT NULL,
  source      VARCHAR(32)  NOT NULL,
  occurred_at DATETIME(3)  NOT NULL,
  UNIQUE KEY uq_order_events_event (order_id, event_id),
  KEY idx_order_events_order (order_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE idempotency_keys (
  idempotency_key VARCHAR(255) NOT NULL PRIMARY KEY,
  request_hash    CHAR(64)     NOT NULL,
  order_id        CHAR(36)     NOT NULL,
  response        TEXT         NOT NULL,
  expires_at      DATETIME(3)  NOT NULL,
  KEY idx_idempotency_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
