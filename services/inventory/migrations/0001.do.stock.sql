-- Stock per SKU. The CHECKs are the last line of defence against overselling: a bug that
-- would drive a counter negative fails its transaction instead.
CREATE TABLE IF NOT EXISTS stock (
  sku VARCHAR(64) NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  price_cents BIGINT NOT NULL,
  available INT NOT NULL,
  reserved INT NOT NULL DEFAULT 0,
  sold INT NOT NULL DEFAULT 0,
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  CONSTRAINT ck_stock_available CHECK (available >= 0),
  CONSTRAINT ck_stock_reserved CHECK (reserved >= 0),
  CONSTRAINT ck_stock_sold CHECK (sold >= 0),
  CONSTRAINT ck_stock_price CHECK (price_cents >= 0)
) ENGINE = InnoDB;

-- One row per order that inventory has decided about; the primary key makes every
-- order.created idempotent per order, and CANCELLED_BEFORE_RESERVE remembers a cancel that
-- overtook its order.created.
CREATE TABLE IF NOT EXISTS reservations (
  order_id VARCHAR(64) NOT NULL PRIMARY KEY,
  status ENUM('RESERVED', 'SOLD', 'RELEASED', 'REJECTED', 'CANCELLED_BEFORE_RESERVE') NOT NULL,
  items JSON NOT NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL
) ENGINE = InnoDB;
