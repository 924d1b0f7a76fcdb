-- Platform tables, present in every service database.
-- outbox: events written in the same transaction as the state change they describe;
--         the relay publishes pending rows in id order, then stamps published_at.
CREATE TABLE IF NOT EXISTS outbox (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_id CHAR(36) NOT NULL,
  topic VARCHAR(249) NOT NULL,
  message_key VARCHAR(255) NOT NULL,
  payload LONGTEXT NOT NULL,
  headers LONGTEXT NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  published_at DATETIME(3) NULL,
  failed_at DATETIME(3) NULL,
  last_error TEXT NULL,
  UNIQUE KEY uq_outbox_event (event_id),
  KEY ix_outbox_pending (published_at, failed_at, id)
) ENGINE = InnoDB;

-- inbox: one row per (consumer group, event) applied; a duplicate delivery finds its row.
CREATE TABLE IF NOT EXISTS inbox (
  consumer_group VARCHAR(255) NOT NULL,
  event_id CHAR(36) NOT NULL,
  topic VARCHAR(249) NOT NULL,
  processed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (consumer_group, event_id),
  KEY ix_inbox_processed (processed_at)
) ENGINE = InnoDB;
