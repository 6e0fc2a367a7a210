-- Esrs grain storage for SQLite (embedded mode). Idempotent: safe to run at every start.
-- The Orleans ADO.NET provider reads its statements from OrleansQuery; parameters and result
-- columns are the provider's contract, the SQL is ours.

PRAGMA journal_mode = WAL;

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            INTEGER NOT NULL,
    GrainIdN0              INTEGER NOT NULL,
    GrainIdN1              INTEGER NOT NULL,
    GrainTypeHash          INTEGER NOT NULL,
    GrainTypeString        TEXT    NOT NULL,
    GrainIdExtensionString TEXT    NULL,
    ServiceId              TEXT    NOT NULL,
    PayloadBinary          BLOB    NULL,
    ModifiedOn             TEXT    NOT NULL,
    Version                INTEGER NULL
);

-- Esrs's own grain state table (user grains): one row per grain, keyed by the exact key string, written by group
-- commit (Silo/Storage). Version is the ETag; a NULL payload is a cleared state.
CREATE TABLE IF NOT EXISTS EsrsGrainState
(
    ServiceId  TEXT    NOT NULL,
    GrainType  TEXT    NOT NULL,
    GrainKey   TEXT    NOT NULL,
    Version    INTEGER NOT NULL,
    Payload    BLOB    NULL,
    ModifiedOn TEXT    NOT NULL,
    PRIMARY KEY (ServiceId, GrainType, GrainKey)
) WITHOUT ROWID;

-- Rows a grain state keeps beside its own row, changed in the transaction of the state's write and only with it, so a
-- write sends what its call changed instead of everything the state holds (Silo/Storage/UserStateRows.cs). User
-- grains: each quarantine entry, keyed by its sequence (0 up); a dedupe window over 2 KB as a snapshot and then the
-- events each write added, in order (keys below 0), until it shrinks to 1 KB. Read with the state (unless its payload
-- was written whole, without UserState.PartsInRows); removed when it is cleared.
CREATE TABLE IF NOT EXISTS EsrsGrainStateRow
(
    ServiceId TEXT    NOT NULL,
    GrainType TEXT    NOT NULL,
    GrainKey  TEXT    NOT NULL,
    RowKey    INTEGER NOT NULL,
    Payload   BLOB    NOT NULL,
    PRIMARY KEY (ServiceId, GrainType, GrainKey, RowKey)
) WITHOUT ROWID;

-- Quarantine entries a user grain spilled out of its state for space (Esrs:Quarantine:Capacity / MaxBytes): kept,
-- listed after nothing and before the entries in the state, replayable. Keyed by the exact grain key.
CREATE TABLE IF NOT EXISTS EsrsQuarantineSpill
(
    ServiceId     TEXT    NOT NULL,
    GrainKey      TEXT    NOT NULL,
    Sequence      INTEGER NOT NULL,
    Identity      INTEGER NOT NULL,
    ContentHash   INTEGER NOT NULL,
    EventId       TEXT    NULL,
    QuarantinedAt TEXT    NOT NULL,
    Payload       BLOB    NOT NULL,
    PRIMARY KEY (ServiceId, GrainKey, Sequence)
);

CREATE INDEX IF NOT EXISTS IX_EsrsQuarantineSpill_Identity ON EsrsQuarantineSpill (ServiceId, GrainKey, Identity);
CREATE INDEX IF NOT EXISTS IX_EsrsQuarantineSpill_Content ON EsrsQuarantineSpill (ServiceId, GrainKey, ContentHash);

-- The events applied to each user's profile, by the user id they were sent to (Grains/Users/IUserEventLog.cs): merging
-- linked ids' profiles exactly once and restoring them on unlink replay these. One row per state write and user id, written
-- in that state write's transaction: the grain that applied the events (Writer) and its log sequence of the first of them.
CREATE TABLE IF NOT EXISTS EsrsUserEventLog
(
    ServiceId TEXT    NOT NULL,
    UserKey   TEXT    NOT NULL,
    Writer    TEXT    NOT NULL,
    Sequence  INTEGER NOT NULL,
    Payload   BLOB    NOT NULL,
    PRIMARY KEY (ServiceId, UserKey, Writer, Sequence)
) WITHOUT ROWID;

-- One row per grain; the expression makes a missing extension key compare equal to itself.
CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage_Grain ON OrleansStorage
    (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, ServiceId, GrainTypeString, IFNULL(GrainIdExtensionString, ''));

-- Update when the caller holds a version (optimistic concurrency), insert when it holds none.
-- Exactly one row comes back on success; none on a version conflict.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
UPDATE OrleansStorage
SET PayloadBinary = @PayloadBinary,
    ModifiedOn = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''),
    Version = Version + 1
WHERE @GrainStateVersion IS NOT NULL
  AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS @GrainIdExtensionString
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;

INSERT INTO OrleansStorage
    (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @PayloadBinary,
       strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''), 1
WHERE @GrainStateVersion IS NULL
ON CONFLICT DO NOTHING
RETURNING Version AS NewGrainStateVersion;
');

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS @GrainIdExtensionString
LIMIT 1;
');

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
UPDATE OrleansStorage
SET PayloadBinary = NULL,
    ModifiedOn = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''),
    Version = Version + 1
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS @GrainIdExtensionString
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
');

-- The provider checks a delete like a write: it expects the deleted version plus one back.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey', '
DELETE FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS @GrainIdExtensionString
  AND Version = @GrainStateVersion
RETURNING Version + 1 AS NewGrainStateVersion;
');
