-- The replication lifecycle in SQL: create, again, start/stop, drop, and
-- nothing left behind when a step fails or the transaction rolls back.
\getenv source IVORY_SOURCE
\getenv source_host IVORY_SOURCE_HOST
\getenv source_port IVORY_SOURCE_PORT
\getenv target_host IVORY_TARGET_HOST
\getenv target_port IVORY_TARGET_PORT
\set target_db :DBNAME
-- What ivory may leave on the source, counted there.
\set on_source '\\connect ivory_regress postgres :source_host :source_port'
\set on_target '\\connect :target_db postgres :target_host :target_port'
\set source_objects 'SELECT (SELECT count(*) FROM pg_replication_slots) AS slots, (SELECT count(*) FROM pg_publication) AS publications, (SELECT count(*) FROM pg_roles WHERE rolname = $$ivory_replicator$$) AS roles;'

:on_source
CREATE TABLE items (id int PRIMARY KEY, name text);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 100) g;
:on_target
CREATE TABLE items (id int PRIMARY KEY, name text);

-- Create, and create again: the second call changes nothing.
SELECT * FROM ivory.replication_create(:'source');
SELECT * FROM ivory.replication_create(:'source');
SELECT subname, subenabled, subslotname FROM pg_subscription;
SELECT obj_description(oid, 'pg_subscription') LIKE 'ivory managed (created on %' AS commented
FROM pg_subscription;
SELECT srsubstate, count(*) FROM pg_subscription_rel GROUP BY 1;
-- The password is stored in the subscription only.
SELECT subconninfo ~ 'password=' AS has_password,
       subconninfo ~ 'user=''ivory_replicator''' AS as_replicator
FROM pg_subscription;
:on_source
:source_objects
SELECT obj_description(oid, 'pg_publication') LIKE 'ivory managed (created on %' AS commented
FROM pg_publication;
:on_target

-- Start and stop, idempotent unless told to fail.
SELECT ivory.replication_start(wait => true, jobs => 1);
SELECT ivory.replication_start();
SELECT ivory.replication_start(fail_on_already_started => true);
SELECT ivory.replication_stop();
SELECT ivory.replication_stop();
SELECT ivory.replication_stop(fail_on_already_stopped => true);
SELECT ivory.replication_start(subscription_name => 'no_such_subscription');
SELECT ivory.replication_start(jobs => 0);
SELECT ivory.replication_start(jobs => 65);

-- Drop, and drop again: nothing remains on either side.
SELECT * FROM ivory.replication_drop(:'source');
SELECT * FROM ivory.replication_drop(:'source');
SELECT (SELECT count(*) FROM pg_subscription) AS subscriptions,
       (SELECT count(*) FROM pg_replication_origin) AS origins;
:on_source
:source_objects
:on_target

-- A step failing after the slot exists (a published table missing here):
-- the error names it, and the role, publication and slot are removed again.
:on_source
CREATE TABLE only_on_source (id int PRIMARY KEY);
:on_target
SELECT * FROM ivory.replication_create(:'source', skip_checks => true);
SELECT count(*) AS subscriptions FROM pg_subscription;
:on_source
:source_objects
DROP TABLE only_on_source;
:on_target

-- Failed readiness checks stop create before anything is made.
:on_source
CREATE TABLE no_key (a int);
:on_target
CREATE TABLE no_key (a int);
SELECT * FROM ivory.replication_create(:'source');
DROP TABLE no_key;
:on_source
:source_objects
DROP TABLE no_key;
:on_target

-- Inside a transaction block that rolls back, the source is cleaned up too.
BEGIN;
SELECT count(*) AS created FROM ivory.replication_create(:'source');
ROLLBACK;
SELECT count(*) AS subscriptions FROM pg_subscription;
:on_source
:source_objects
:on_target

-- From a procedure called with CALL, with a name that is no valid slot name.
CREATE PROCEDURE pg_temp.set_up(source text) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM ivory.replication_create(source, subscription_name => 'Mixed "Sub"');
END
$$;
CALL pg_temp.set_up(:'source');
SELECT subname, subslotname FROM pg_subscription;
SELECT * FROM ivory.replication_drop(:'source', subscription_name => 'Mixed "Sub"');

-- Leave both sides empty.
DROP TABLE items;
:on_source
DROP TABLE items;
