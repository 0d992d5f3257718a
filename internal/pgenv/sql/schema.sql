-- The assessment-tracking service's two TypeORM entities at the commit the
-- deployment checklist describes, column for column: quoted camelCase
-- names, the entities' types, nullability and defaults. Only "lastAccessOn"
-- and "tenantId" are NULL; "updatedOn" has no default (the service sets
-- it); there is no "resumeData" column at that commit.
-- Primary keys only: the seven performance indexes are a separate migration
-- (indexes_apply.sql) so that the "before" state can be reproduced.
CREATE TABLE IF NOT EXISTS content_tracking (
    "contentTrackingId" uuid                     NOT NULL DEFAULT gen_random_uuid(),
    "userId"            uuid                     NOT NULL,
    "courseId"          character varying        NOT NULL,
    "contentId"         character varying        NOT NULL,
    "contentType"       character varying        NOT NULL,
    "contentMime"       character varying        NOT NULL,
    "unitId"            character varying        NOT NULL,
    "createdOn"         timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastAccessOn"      timestamp with time zone NULL,
    "updatedOn"         timestamp with time zone NOT NULL,
    "tenantId"          uuid                     NULL,
    CONSTRAINT "PK_content_tracking" PRIMARY KEY ("contentTrackingId")
);

CREATE TABLE IF NOT EXISTS content_tracking_details (
    "id"                uuid                     NOT NULL DEFAULT gen_random_uuid(),
    "contentTrackingId" uuid                     NOT NULL,
    "userId"            uuid                     NOT NULL,
    "eid"               character varying        NOT NULL,
    "mode"              character varying        NOT NULL,
    "pageid"            character varying        NOT NULL,
    "type"              character varying        NOT NULL,
    "subtype"           character varying        NOT NULL,
    "edata"             jsonb                    NOT NULL,
    "duration"          numeric                  NOT NULL,
    "summary"           jsonb                    NOT NULL,
    "progress"          numeric                  NOT NULL,
    "createdOn"         timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedOn"         timestamp with time zone NOT NULL,
    CONSTRAINT "PK_content_tracking_details" PRIMARY KEY ("id")
);
