-- A customer's identities are read on every AI turn, ordered by kind and value. The
-- index of 0001 on (tenant_id, customer_id) let SQLite prefer walking the primary key
-- (tenant_id, kind, value) to avoid a sort, which visits every identity of the tenant.
-- This index serves both the filter and the order.
DROP INDEX IF EXISTS customer_identities_customer;
CREATE INDEX customer_identities_customer ON customer_identities (tenant_id, customer_id, kind, value);
