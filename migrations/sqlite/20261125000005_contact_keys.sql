-- Imports find an existing contact by email, or else by phone, among a million:
-- these indexes answer each lookup directly.
CREATE INDEX contacts_ws_email_fold ON contacts (workspace_id, email_fold);
CREATE INDEX contacts_ws_phone_digits ON contacts (workspace_id, phone_digits);
