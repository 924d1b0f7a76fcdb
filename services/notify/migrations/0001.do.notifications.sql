-- One row per (order, kind, channel): the UNIQUE key makes a redelivered or re-published
-- outcome event a no-op, so each outcome is notified at most once per channel.
-- The dispatcher claims due PENDING rows (claim_token, claimed_until) outside the consumer's
-- transaction, sends them, and records SENT / a retry / FAILED.
CREATE TABLE notifications (
  notification_id CHAR(36) NOT NULL PRIMARY KEY,
  order_id VARCHAR(64) NOT NULL,
  kind VARCHAR(32) NOT NULL,
  channel VARCHAR(16) NOT NULL,
  recipient VARCHAR(320) NULL,
  subject VARCHAR(255) NOT NULL,
  body TEXT NOT NULL,
  status VARCHAR(16) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  last_error VARCHAR(1000) NULL,
  next_attempt_at DATETIME(3) NOT NULL,
  claim_token CHAR(36) NULL,
  claimed_until DATETIME(3) NULL,
  sent_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL,
  UNIQUE KEY uq_notification_outcome (order_id, kind, channel),
  KEY ix_notification_due (status, next_attempt_at)
) ENGINE = InnoDB;
