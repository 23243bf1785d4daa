-- Records of the data set, keyed by (kind, id); `fields` is the record
-- object of the JSON data-set document.
CREATE TABLE records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    region TEXT,
    version BIGINT NOT NULL,
    fields TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX records_kind_region ON records (kind, region, id);
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('revision', 0);
