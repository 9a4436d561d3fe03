-- Sorting the table by a custom field walks these indexes in order (text by its
-- folded value, numbers by value) instead of sorting a million rows.
CREATE INDEX contact_field_values_by_text ON contact_field_values (field_id, value_fold, contact_id);
CREATE INDEX contact_field_values_by_number ON contact_field_values (field_id, number_value, contact_id);
