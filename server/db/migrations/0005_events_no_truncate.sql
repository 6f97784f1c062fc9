-- Row triggers do not fire on TRUNCATE; the audit log must survive that too.
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();
