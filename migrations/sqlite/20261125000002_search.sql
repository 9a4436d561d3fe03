-- Search: a trigram full-text index over what the search bar matches (name,
-- email, phone and the text of custom field values). Trigrams answer any
-- substring of three or more characters from the index, with Unicode case
-- folding; the rowid is the contact id. Contentless: the text lives in contacts.
CREATE VIRTUAL TABLE contact_search USING fts5(
    body,
    tokenize = 'trigram',
    content = '',
    contentless_delete = 1
);

-- The search text of each contact, in one place for the index and its triggers.
CREATE VIEW contact_search_text AS
SELECT c.id AS id,
       c.name || ' ' || COALESCE(c.email, '') || ' ' || COALESCE(c.phone, '') || ' ' ||
       COALESCE((SELECT group_concat(v.value, ' ') FROM contact_field_values v WHERE v.contact_id = c.id), '')
       AS body
FROM contacts c;

INSERT INTO contact_search (rowid, body) SELECT id, body FROM contact_search_text;

-- Triggers run after the change, so the view already shows the new text.
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_search (rowid, body) SELECT id, body FROM contact_search_text WHERE id = NEW.id;
END;

CREATE TRIGGER contacts_search_update AFTER UPDATE OF name, email, phone ON contacts BEGIN
    DELETE FROM contact_search WHERE rowid = OLD.id;
    INSERT INTO contact_search (rowid, body) SELECT id, body FROM contact_search_text WHERE id = NEW.id;
END;

CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contact_search WHERE rowid = OLD.id;
END;

-- Field values written before their contact (bulk loads defer foreign keys and
-- insert values first) are picked up by the contact's insert trigger instead.
CREATE TRIGGER contact_field_values_search_insert AFTER INSERT ON contact_field_values
WHEN EXISTS (SELECT 1 FROM contacts WHERE id = NEW.contact_id) BEGIN
    DELETE FROM contact_search WHERE rowid = NEW.contact_id;
    INSERT INTO contact_search (rowid, body) SELECT id, body FROM contact_search_text WHERE id = NEW.contact_id;
END;

CREATE TRIGGER contact_field_values_search_update AFTER UPDATE ON contact_field_values BEGIN
    DELETE FROM contact_search WHERE rowid = NEW.contact_id;
    INSERT INTO contact_search (rowid, body) SELECT id, body FROM contact_search_text WHERE id = NEW.contact_id;
END;

CREATE TRIGGER contact_field_values_search_delete AFTER DELETE ON contact_field_values
WHEN EXISTS (SELECT 1 FROM contacts WHERE id = OLD.contact_id) BEGIN
    DELETE FROM contact_search WHERE rowid = OLD.contact_id;
    INSERT INTO contact_search (rowid, body) SELECT id, body FROM contact_search_text WHERE id = OLD.contact_id;
END;

-- Names sort without regard to (ASCII) case: "alice" between "Adam" and "Bob".
DROP INDEX contacts_ws_name;
CREATE INDEX contacts_ws_name ON contacts (workspace_id, name COLLATE NOCASE, id);
