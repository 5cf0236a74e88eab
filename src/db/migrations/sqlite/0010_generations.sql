-- 0010: change counters every process on the database can read (db_generation_*). A write
-- that changes what the library shows (every scan transaction) adds one to 'library' before
-- it commits, one that changes a user's rights or libraries adds one to 'users'. What was
-- computed from those rows (rendered answers, signed-in users) is kept under the value read
-- before computing it, and used only while the value has not moved.
CREATE TABLE generations (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);
INSERT INTO generations (name, value) VALUES ('library', 1), ('users', 1);
