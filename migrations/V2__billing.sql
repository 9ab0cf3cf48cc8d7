-- Billing, version 2. Debts are balance changes too: every ledger line records
-- how it moved the debt as well as the balance, so the ledger sums to both
-- (`ringlypro billing verify`). Payments remember the Stripe customer they
-- were made for, and the ledger can be listed by kind and time quickly.

ALTER TABLE credit_ledger ADD COLUMN debt_change_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credit_ledger ADD COLUMN debt_after_cents INTEGER NOT NULL DEFAULT 0;
CREATE INDEX credit_ledger_kind ON credit_ledger (client_id, kind, created_at);

ALTER TABLE payments ADD COLUMN customer_id TEXT;
CREATE INDEX payments_kind_status ON payments (kind, status);
