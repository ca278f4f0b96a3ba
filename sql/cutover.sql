-- The cut-over in SQL: sequences, data verification, switchover, unlock.
\getenv source IVORY_SOURCE
\getenv source_host IVORY_SOURCE_HOST
\getenv source_port IVORY_SOURCE_PORT
\getenv target_host IVORY_TARGET_HOST
\getenv target_port IVORY_TARGET_PORT
\set target_db :DBNAME
\set on_source '\\connect ivory_regress postgres :source_host :source_port'
\set on_target '\\connect :target_db postgres :target_host :target_port'

:on_source
CREATE SEQUENCE counter;
SELECT nextval('counter'), nextval('counter'), nextval('counter');
CREATE TABLE orders (id serial PRIMARY KEY, note text);
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, what text);
CREATE TABLE tags (name text PRIMARY KEY);
INSERT INTO orders (note) SELECT 'order ' || g FROM generate_series(1, 250) g;
INSERT INTO events (what) SELECT 'event ' || g FROM generate_series(1, 40) g;
INSERT INTO tags SELECT 'tag ' || g FROM generate_series(1, 10) g;
:on_target
CREATE SEQUENCE counter;
CREATE TABLE orders (id serial PRIMARY KEY, note text);
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, what text);
CREATE TABLE tags (name text PRIMARY KEY);

-- A dry run reports and changes nothing.
SELECT * FROM ivory.sync_sequences(:'source', equal => true, dry_run => true);
SELECT last_value, is_called FROM counter;
-- Equal: the target's next value is the source's next value.
SELECT * FROM ivory.sync_sequences(:'source', equal => true);
SELECT nextval('counter') - 1 AS equals_source_last_value;
-- Ahead: by the observed rate plus the offset (none moved here), per sequence if given.
SELECT * FROM ivory.sync_sequences(:'source', fixed_offset => 10,
                                   sequence_offsets => '{public.counter:1000}', sample_pause => 0);
SELECT * FROM ivory.sync_sequences(:'source', sequence_offsets => '{counter}');
-- A source sequence missing here is named, and nothing is set.
DROP TABLE tags;
DROP SEQUENCE counter;
SELECT * FROM ivory.sync_sequences(:'source', equal => true);
CREATE SEQUENCE counter;
CREATE TABLE tags (name text PRIMARY KEY);

-- Verify: equal data matches; a row deleted here is named with its key range.
ALTER SEQUENCE orders_id_seq RESTART;
ALTER TABLE events ALTER COLUMN id RESTART;
INSERT INTO orders (note) SELECT 'order ' || g FROM generate_series(1, 250) g;
INSERT INTO events (what) SELECT 'event ' || g FROM generate_series(1, 40) g;
INSERT INTO tags SELECT 'tag ' || g FROM generate_series(1, 10) g;
SELECT * FROM ivory.verify_data(:'source');
DELETE FROM orders WHERE id = 150;
DELETE FROM tags WHERE name = 'tag 3';
SELECT * FROM ivory.verify_data(:'source', range_rows => 100);
TRUNCATE orders, events, tags;

-- Switchover of a running replication: every step, the source read-only
-- afterwards and no replication left; unlock makes it writable again.
SELECT count(*) AS created FROM ivory.replication_create(:'source');
SELECT ivory.replication_start(wait => true, jobs => 1);
SELECT step FROM ivory.switchover(:'source', timeout_seconds => 60);
SELECT count(*) AS orders FROM orders;
SELECT nextval('orders_id_seq') AS next_order_id;
SELECT count(*) AS subscriptions FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database());
:on_source
\set VERBOSITY terse
INSERT INTO tags VALUES ('after switchover');
\set VERBOSITY default
:on_target
SELECT ivory.unlock_source(:'source');
SELECT ivory.unlock_source(:'source');
:on_source
INSERT INTO tags VALUES ('after unlock');
SELECT (SELECT count(*) FROM pg_replication_slots) AS slots,
       (SELECT count(*) FROM pg_publication) AS publications,
       (SELECT count(*) FROM pg_roles WHERE rolname = 'ivory_replicator') AS roles;

-- A switchover that cannot finish in time says so and locks nothing.
:on_target
SELECT count(*) AS created FROM ivory.replication_create(:'source', skip_checks => true);
SELECT * FROM ivory.switchover(:'source', timeout_seconds => 1);
SELECT count(*) AS dropped FROM ivory.replication_drop(:'source');

-- Leave both sides empty.
DROP TABLE orders, events, tags;
DROP SEQUENCE counter;
:on_source
DROP TABLE orders, events, tags;
DROP SEQUENCE counter;
