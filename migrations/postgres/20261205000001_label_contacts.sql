-- Each label row names its conversation's contact (a conversation never moves
-- to another contact), so "has label vip" reads the contacts from one index
-- range instead of joining every labelled conversation (see the SQLite twin).
ALTER TABLE conversation_labels ADD COLUMN contact_id BIGINT;
UPDATE conversation_labels cl SET contact_id = cv.contact_id
FROM conversations cv WHERE cv.id = cl.conversation_id;
CREATE INDEX conversation_labels_contact ON conversation_labels (label_id, contact_id);

-- Writers may leave the contact out: it is taken from the conversation.
CREATE FUNCTION conversation_labels_contact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.contact_id IS NULL THEN
        SELECT cv.contact_id INTO NEW.contact_id FROM conversations cv WHERE cv.id = NEW.conversation_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER conversation_labels_contact BEFORE INSERT ON conversation_labels
FOR EACH ROW EXECUTE FUNCTION conversation_labels_contact();
