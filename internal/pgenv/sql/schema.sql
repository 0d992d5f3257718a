-- The assessment-tracking service's two TypeORM entities, column for column:
-- quoted camelCase names, the entities' types, nullability and defaults.
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
    "createdOn"         timestamp with time zone NOT NULL DEFAULT now(),
    "lastAccessOn"      timestamp with time zone NULL,
    "updatedOn"         timestamp with time zone NOT NULL DEFAULT now(),
    "tenantId"          uuid                     NULL,
    "resumeData"        double precision         NULL,
    CONSTRAINT "PK_content_tracking" PRIMARY KEY ("contentTrackingId")
);

CREATE TABLE IF NOT EXISTS content_tracking_details (
    "id"                uuid                     NOT NULL DEFAULT gen_random_uuid(),
    "contentTrackingId" uuid                     NOT NULL,
    "userId"            uuid                     NOT NULL,
    "eid"               character varying        NOT NULL,
    "mode"              character varying        NULL,
    "pageid"            character varying        NULL,
    "type"              character varying        NULL,
    "subtype"           character varying        NULL,
    "edata"             jsonb                    NULL,
    "summary"           jsonb                    NULL,
    "duration"          numeric                  NULL,
    "progress"          numeric                  NULL,
    "createdOn"         timestamp with time zone NOT NULL DEFAULT now(),
    "updatedOn"         timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT "PK_content_tracking_details" PRIMARY KEY ("id")
);
