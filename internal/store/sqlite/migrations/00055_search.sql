-- Search indexes for the admin lists (docs/benchmarks.md, "Directory at
-- scale"): FTS5 trigram tables over the searched columns, kept in step by
-- triggers so every write path (bulk import, cascades) updates them. The
-- trigram tokenizer folds case beyond ASCII, which LIKE does not.
-- A migration that rebuilds accounts, rooms or orgs must recreate the
-- triggers (DROP TABLE drops them).

-- +goose Up
CREATE VIRTUAL TABLE accounts_search USING fts5(email, display_name,
    content='accounts', content_rowid='id', tokenize='trigram');
CREATE VIRTUAL TABLE rooms_search USING fts5(slug, title,
    content='rooms', content_rowid='id', tokenize='trigram');
CREATE VIRTUAL TABLE orgs_search USING fts5(slug, name,
    content='orgs', content_rowid='id', tokenize='trigram');

-- +goose StatementBegin
CREATE TRIGGER accounts_search_ai AFTER INSERT ON accounts BEGIN
    INSERT INTO accounts_search (rowid, email, display_name) VALUES (new.id, new.email, new.display_name);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER accounts_search_ad AFTER DELETE ON accounts BEGIN
    INSERT INTO accounts_search (accounts_search, rowid, email, display_name)
        VALUES ('delete', old.id, old.email, old.display_name);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER accounts_search_au AFTER UPDATE OF email, display_name ON accounts BEGIN
    INSERT INTO accounts_search (accounts_search, rowid, email, display_name)
        VALUES ('delete', old.id, old.email, old.display_name);
    INSERT INTO accounts_search (rowid, email, display_name) VALUES (new.id, new.email, new.display_name);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER rooms_search_ai AFTER INSERT ON rooms BEGIN
    INSERT INTO rooms_search (rowid, slug, title) VALUES (new.id, new.slug, new.title);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER rooms_search_ad AFTER DELETE ON rooms BEGIN
    INSERT INTO rooms_search (rooms_search, rowid, slug, title) VALUES ('delete', old.id, old.slug, old.title);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER rooms_search_au AFTER UPDATE OF slug, title ON rooms BEGIN
    INSERT INTO rooms_search (rooms_search, rowid, slug, title) VALUES ('delete', old.id, old.slug, old.title);
    INSERT INTO rooms_search (rowid, slug, title) VALUES (new.id, new.slug, new.title);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER orgs_search_ai AFTER INSERT ON orgs BEGIN
    INSERT INTO orgs_search (rowid, slug, name) VALUES (new.id, new.slug, new.name);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER orgs_search_ad AFTER DELETE ON orgs BEGIN
    INSERT INTO orgs_search (orgs_search, rowid, slug, name) VALUES ('delete', old.id, old.slug, old.name);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER orgs_search_au AFTER UPDATE OF slug, name ON orgs BEGIN
    INSERT INTO orgs_search (orgs_search, rowid, slug, name) VALUES ('delete', old.id, old.slug, old.name);
    INSERT INTO orgs_search (rowid, slug, name) VALUES (new.id, new.slug, new.name);
END;
-- +goose StatementEnd

INSERT INTO accounts_search (accounts_search) VALUES ('rebuild');
INSERT INTO rooms_search (rooms_search) VALUES ('rebuild');
INSERT INTO orgs_search (orgs_search) VALUES ('rebuild');

-- +goose Down
DROP TRIGGER orgs_search_au;
DROP TRIGGER orgs_search_ad;
DROP TRIGGER orgs_search_ai;
DROP TRIGGER rooms_search_au;
DROP TRIGGER rooms_search_ad;
DROP TRIGGER rooms_search_ai;
DROP TRIGGER accounts_search_au;
DROP TRIGGER accounts_search_ad;
DROP TRIGGER accounts_search_ai;
DROP TABLE orgs_search;
DROP TABLE rooms_search;
DROP TABLE accounts_search;
