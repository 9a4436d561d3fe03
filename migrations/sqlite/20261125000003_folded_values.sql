-- Folded copies of text for the Quick Filter: Unicode lower case (name, email,
-- text field values) and digits only (phones). The application writes them with
-- every value, by the same rules as its in-memory filter evaluator, so filters
-- compare the same way on every database. Rows from before this migration get
-- SQLite's ASCII lower(), the best SQL alone can do.
ALTER TABLE contacts ADD COLUMN name_fold TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN email_fold TEXT;
ALTER TABLE contacts ADD COLUMN phone_digits TEXT;
UPDATE contacts SET name_fold = lower(trim(name)), email_fold = lower(trim(email)),
    phone_digits = replace(replace(replace(replace(replace(phone, '+', ''), ' ', ''), '-', ''), '(', ''), ')', '');

ALTER TABLE contact_field_values ADD COLUMN value_fold TEXT NOT NULL DEFAULT '';
UPDATE contact_field_values SET value_fold = lower(trim(value));

ALTER TABLE conversation_field_values ADD COLUMN value_fold TEXT NOT NULL DEFAULT '';
UPDATE conversation_field_values SET value_fold = lower(trim(value));
