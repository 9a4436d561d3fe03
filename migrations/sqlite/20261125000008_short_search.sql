-- Search for one or two characters ("li", "王", "7"): trigrams cannot answer
-- them, and a LIKE scan of a million contacts takes seconds. This index holds,
-- for every contact, one token per distinct character ('u' + its UTF-8 bytes in
-- hex) and per distinct adjacent pair ('p' + the pair's bytes in hex) of the
-- same text the search matches, in its folded form (the application's Unicode
-- lower case). A search for "li" is then one term: 'p6C69'. Only rowids are
-- kept (detail=none): a term either is in a contact's text or is not.
CREATE VIRTUAL TABLE contact_search_short USING fts5(
    body,
    tokenize = 'ascii',
    content = '',
    contentless_delete = 1,
    detail = none
);

-- Positions 1..16384 to walk a text character by character in SQL (triggers
-- cannot use recursive queries). Longer texts are indexed up to here.
CREATE TABLE search_positions (n INTEGER PRIMARY KEY);
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 16384)
INSERT INTO search_positions (n) SELECT n FROM s;

-- The folded search text of each contact: name, email, phone, custom values.
CREATE VIEW contact_search_fold AS
SELECT c.id AS id,
       c.name_fold || ' ' || COALESCE(c.email_fold, '') || ' ' || COALESCE(c.phone, '') || ' ' ||
       COALESCE((SELECT group_concat(v.value_fold, ' ') FROM contact_field_values v WHERE v.contact_id = c.id), '')
       AS body
FROM contacts c;

-- A contact whose text changed is written here; the trigger below rewrites its
-- terms, so the term expression exists once. The row is removed at once:
-- the table is always empty. `fresh` marks a new contact, with nothing to delete.
CREATE TABLE contact_search_short_refresh (id INTEGER NOT NULL, fresh INTEGER NOT NULL);

CREATE TRIGGER contact_search_short_refresh_run AFTER INSERT ON contact_search_short_refresh BEGIN
    DELETE FROM contact_search_short WHERE rowid = NEW.id AND NEW.fresh = 0;
    -- LIMIT 1 keeps the text a single materialized row: otherwise SQLite would
    -- recompute it (with its subquery) for every character position.
    INSERT INTO contact_search_short (rowid, body)
    SELECT NEW.id,
           COALESCE(group_concat(CASE WHEN substr(t.body, p.n, 1) <> ' '
                                      THEN 'u' || hex(substr(t.body, p.n, 1)) END, ' '), '')
           || ' ' ||
           COALESCE(group_concat(CASE WHEN p.n < length(t.body) AND instr(substr(t.body, p.n, 2), ' ') = 0
                                      THEN 'p' || hex(substr(t.body, p.n, 2)) END, ' '), '')
    FROM (SELECT body FROM contact_search_fold WHERE id = NEW.id LIMIT 1) t
    JOIN search_positions p ON p.n <= length(t.body);
    DELETE FROM contact_search_short_refresh WHERE id = NEW.id;
END;

INSERT INTO contact_search_short_refresh (id, fresh) SELECT id, 1 FROM contacts;

CREATE TRIGGER contacts_search_short_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_search_short_refresh (id, fresh) VALUES (NEW.id, 1);
END;

CREATE TRIGGER contacts_search_short_update AFTER UPDATE OF name_fold, email_fold, phone ON contacts BEGIN
    INSERT INTO contact_search_short_refresh (id, fresh) VALUES (NEW.id, 0);
END;

CREATE TRIGGER contacts_search_short_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contact_search_short WHERE rowid = OLD.id;
END;

-- Values written before their contact (bulk loads) are read by the contact's
-- insert trigger instead.
CREATE TRIGGER contact_field_values_search_short_insert AFTER INSERT ON contact_field_values
WHEN EXISTS (SELECT 1 FROM contacts WHERE id = NEW.contact_id) BEGIN
    INSERT INTO contact_search_short_refresh (id, fresh) VALUES (NEW.contact_id, 0);
END;

CREATE TRIGGER contact_field_values_search_short_update AFTER UPDATE OF value_fold ON contact_field_values BEGIN
    INSERT INTO contact_search_short_refresh (id, fresh) VALUES (NEW.contact_id, 0);
END;

CREATE TRIGGER contact_field_values_search_short_delete AFTER DELETE ON contact_field_values
WHEN EXISTS (SELECT 1 FROM contacts WHERE id = OLD.contact_id) BEGIN
    INSERT INTO contact_search_short_refresh (id, fresh) VALUES (OLD.contact_id, 0);
END;
