-- A label belongs to conversations; filters ask which contacts have it. Each
-- label row now names its conversation's contact (a conversation never moves
-- to another contact), so "has label vip" reads the contacts from one index
-- range in contact order instead of looking up every labelled conversation:
-- at a million contacts that set took 25 ms of the benchmark's filter count.
ALTER TABLE conversation_labels ADD COLUMN contact_id BIGINT;
UPDATE conversation_labels
SET contact_id = (SELECT cv.contact_id FROM conversations cv WHERE cv.id = conversation_labels.conversation_id);
CREATE INDEX conversation_labels_contact ON conversation_labels (label_id, contact_id);

-- Writers may leave the contact out: it is taken from the conversation.
CREATE TRIGGER conversation_labels_contact AFTER INSERT ON conversation_labels
WHEN NEW.contact_id IS NULL BEGIN
    UPDATE conversation_labels
    SET contact_id = (SELECT cv.contact_id FROM conversations cv WHERE cv.id = NEW.conversation_id)
    WHERE rowid = NEW.rowid;
END;
