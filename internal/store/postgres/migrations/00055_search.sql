-- Trigram (pg_trgm) GIN indexes for the admin list searches, which are
-- substring matches (LIKE '%q%') that a B-tree cannot serve; see
-- docs/benchmarks.md, "Directory at scale". Emails and slugs are stored
-- lowercase; names and titles are searched as lower(...).
-- CREATE EXTENSION needs superuser or, pg_trgm being trusted, CREATE on
-- the database. Without it the migration still succeeds with no index
-- (searches scan, as before); Open logs that once, and creates the
-- indexes on a later start once an administrator has added pg_trgm.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported OR undefined_object THEN
        RAISE NOTICE 'pg_trgm not available (%): search without trigram indexes', SQLERRM;
        RETURN;
    END;
    CREATE INDEX IF NOT EXISTS accounts_email_trgm ON accounts USING gin (email gin_trgm_ops);
    CREATE INDEX IF NOT EXISTS accounts_name_trgm ON accounts USING gin (lower(display_name) gin_trgm_ops);
    CREATE INDEX IF NOT EXISTS rooms_slug_trgm ON rooms USING gin (slug gin_trgm_ops);
    CREATE INDEX IF NOT EXISTS rooms_title_trgm ON rooms USING gin (lower(title) gin_trgm_ops);
    CREATE INDEX IF NOT EXISTS orgs_slug_trgm ON orgs USING gin (slug gin_trgm_ops);
    CREATE INDEX IF NOT EXISTS orgs_name_trgm ON orgs USING gin (lower(name) gin_trgm_ops);
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX IF EXISTS orgs_name_trgm;
DROP INDEX IF EXISTS orgs_slug_trgm;
DROP INDEX IF EXISTS rooms_title_trgm;
DROP INDEX IF EXISTS rooms_slug_trgm;
DROP INDEX IF EXISTS accounts_name_trgm;
DROP INDEX IF EXISTS accounts_email_trgm;
