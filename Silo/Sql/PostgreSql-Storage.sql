-- Esrs grain storage for PostgreSQL (cluster mode). Idempotent: safe to run at every start.
-- The Orleans ADO.NET provider reads its statements from OrleansQuery; parameters and result
-- columns are the provider's contract, the SQL is ours.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NULL,
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,
    ModifiedOn             timestamptz  NOT NULL DEFAULT now(),
    Version                integer      NULL
);

-- Quarantine entries a user grain spilled out of its state for space (Esrs:Quarantine:Capacity / MaxBytes): kept,
-- listed before the entries in the state, replayable. Keyed by the exact grain key.
-- Esrs's own grain state table (user grains): one row per grain, keyed by the exact key string, written by group
-- commit (Silo/Storage). Version is the ETag; a NULL payload is a cleared state.
CREATE TABLE IF NOT EXISTS EsrsGrainState
(
    ServiceId  varchar(150) NOT NULL,
    GrainType  varchar(512) NOT NULL,
    GrainKey   text         NOT NULL,
    Version    bigint       NOT NULL,
    Payload    bytea        NULL,
    ModifiedOn timestamptz  NOT NULL,
    PRIMARY KEY (ServiceId, GrainType, GrainKey)
);

-- Rows a grain state keeps beside its own row, changed in the statement of the state's write and only with it, so a
-- write sends what its call changed instead of everything the state holds (Silo/Storage/UserStateRows.cs). User
-- grains: each quarantine entry, keyed by its sequence (0 up); a dedupe window over 2 KB as a snapshot and then the
-- events each write added, in order (keys below 0), until it shrinks to 1 KB. Read with the state (unless its payload
-- was written whole, without UserState.PartsInRows); removed when it is cleared.
CREATE TABLE IF NOT EXISTS EsrsGrainStateRow
(
    ServiceId varchar(150) NOT NULL,
    GrainType varchar(512) NOT NULL,
    GrainKey  text         NOT NULL,
    RowKey    bigint       NOT NULL,
    Payload   bytea        NOT NULL,
    PRIMARY KEY (ServiceId, GrainType, GrainKey, RowKey)
);

CREATE TABLE IF NOT EXISTS EsrsQuarantineSpill
(
    ServiceId     varchar(150) NOT NULL,
    GrainKey      text         NOT NULL,
    Sequence      bigint       NOT NULL,
    Identity      bigint       NOT NULL,
    ContentHash   bigint       NOT NULL,
    EventId       varchar(512) NULL,
    QuarantinedAt timestamptz  NOT NULL,
    Payload       bytea        NOT NULL,
    PRIMARY KEY (ServiceId, GrainKey, Sequence)
);

CREATE INDEX IF NOT EXISTS ix_esrsquarantinespill_identity ON EsrsQuarantineSpill (ServiceId, GrainKey, Identity);
CREATE INDEX IF NOT EXISTS ix_esrsquarantinespill_content ON EsrsQuarantineSpill (ServiceId, GrainKey, ContentHash);

-- The events applied to each user's profile, by the user id they were sent to (Grains/Users/IUserEventLog.cs): merging
-- linked ids' profiles exactly once and restoring them on unlink replay these. One row per state write and user id, written
-- in that state write's transaction: the grain that applied the events (Writer) and its log sequence of the first of them.
CREATE TABLE IF NOT EXISTS EsrsUserEventLog
(
    ServiceId varchar(150) NOT NULL,
    UserKey   text         NOT NULL,
    Writer    text         NOT NULL,
    Sequence  bigint       NOT NULL,
    Payload   bytea        NOT NULL,
    PRIMARY KEY (ServiceId, UserKey, Writer, Sequence)
);

-- One row per grain; the expression makes a missing extension key compare equal to itself.
CREATE UNIQUE INDEX IF NOT EXISTS ux_orleansstorage_grain ON OrleansStorage
    (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, ServiceId, GrainTypeString, COALESCE(GrainIdExtensionString, ''));

-- Update when the caller holds a version (optimistic concurrency), insert when it holds none.
-- Exactly one row comes back on success; none on a version conflict.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE OrleansStorage
    SET PayloadBinary = @PayloadBinary, ModifiedOn = now(), Version = Version + 1
    WHERE @GrainStateVersion IS NOT NULL
      AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND Version = @GrainStateVersion
    RETURNING Version
), inserted AS (
    INSERT INTO OrleansStorage
        (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, Version)
    SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING Version
)
SELECT Version AS NewGrainStateVersion FROM updated
UNION ALL
SELECT Version FROM inserted;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', $q$
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
LIMIT 1;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', $q$
UPDATE OrleansStorage
SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

-- The provider checks a delete like a write: it expects the deleted version plus one back.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey', $q$
DELETE FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
  AND Version = @GrainStateVersion
RETURNING Version + 1 AS NewGrainStateVersion;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
