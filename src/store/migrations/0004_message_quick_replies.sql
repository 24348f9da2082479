-- The quick replies the AI offered with a message (a JSON array of short texts, NULL
-- when none), kept with the message so a reloaded chat shows them again.
ALTER TABLE messages ADD COLUMN quick_replies JSON;
