-- actionbot on PostgreSQL: a migration role that owns the schema (DDL) and an app role that
-- reads and writes rows but cannot change the schema. Run once as a superuser, connected to
-- the bot's database:  psql -d actionbot -f deploy/postgres-roles.sql
-- then give each role a password:  \password actionbot_owner   and   \password actionbot_app
CREATE ROLE actionbot_owner LOGIN;
CREATE ROLE actionbot_app LOGIN;
CREATE SCHEMA actionbot AUTHORIZATION actionbot_owner;
ALTER ROLE actionbot_owner SET search_path = actionbot;
ALTER ROLE actionbot_app SET search_path = actionbot;
GRANT USAGE ON SCHEMA actionbot TO actionbot_app;
-- what the migrations create from now on (as actionbot_owner) ...
ALTER DEFAULT PRIVILEGES FOR ROLE actionbot_owner IN SCHEMA actionbot
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO actionbot_app;
ALTER DEFAULT PRIVILEGES FOR ROLE actionbot_owner IN SCHEMA actionbot
    GRANT USAGE, SELECT ON SEQUENCES TO actionbot_app;
-- ... and what exists already (run these two again after restoring a backup as another owner)
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA actionbot TO actionbot_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA actionbot TO actionbot_app;
