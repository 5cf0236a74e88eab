-- 0010: change counters every process on the database can read (db_generation_*). A write
-- that changes what the library shows (every scan transaction) adds one to 'library' before
-- it commits, one that changes a user's rights or libraries adds one to 'users'. What was
-- computed from those rows (rendered answers, signed-in users) is kept under the value read
-- before computing it, and used only while the value has not moved. Each change is also
-- announced on the channel swaz_generations ("name value", delivered at commit), so every
-- instance learns of it without asking the database on each request.
CREATE TABLE generations (
    name   TEXT PRIMARY KEY,
    value  BIGINT NOT NULL
);
INSERT INTO generations (name, value) VALUES ('library', 1), ('users', 1);

CREATE FUNCTION swaz_generations_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('swaz_generations', NEW.name || ' ' || NEW.value);
    RETURN NULL;
END
$$;

CREATE TRIGGER generations_notify AFTER UPDATE ON generations
    FOR EACH ROW EXECUTE FUNCTION swaz_generations_notify();
