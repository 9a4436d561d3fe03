-- The export reads every matching contact in the export's order, then each
-- one's field values; these indexes hold what the file shows, so neither
-- row is visited (see the SQLite migration of the same name). The narrow
-- sort indexes stay for walks that need only the order.
CREATE INDEX contacts_export_by_last_interaction ON contacts
    (workspace_id, last_interaction_at DESC NULLS LAST, id DESC)
    INCLUDE (name, email, phone, created_at, campaign_opt_in);
CREATE INDEX contacts_export_by_created ON contacts
    (workspace_id, created_at DESC, id DESC)
    INCLUDE (name, email, phone, last_interaction_at, campaign_opt_in);
CREATE INDEX contact_field_values_by_contact ON contact_field_values (contact_id, field_id)
    INCLUDE (value);
