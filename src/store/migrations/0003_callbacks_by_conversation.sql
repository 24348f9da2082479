-- A conversation's callback is looked up and updated by conversation when the customer
-- gives a number or a person takes over; without this index that scans every pending
-- callback of the tenant.
CREATE INDEX callbacks_conversation ON callbacks (tenant_id, conversation_id);
