package pgtest

// ServiceDDL is what the service's TypeORM entities create at the
// checklist's commit, as TypeORM writes it, without perfgate's schema.sql;
// ServiceMigration is its add_performance_indexes.sql.
var (
	ServiceDDL = []string{
		`CREATE EXTENSION IF NOT EXISTS "uuid-ossp"`,
		`CREATE TABLE "content_tracking" ("contentTrackingId" uuid NOT NULL DEFAULT uuid_generate_v4(), "userId" uuid NOT NULL, ` +
			`"courseId" character varying NOT NULL, "contentId" character varying NOT NULL, "contentType" character varying NOT NULL, ` +
			`"contentMime" character varying NOT NULL, "unitId" character varying NOT NULL, ` +
			`"createdOn" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP, "lastAccessOn" TIMESTAMP WITH TIME ZONE, ` +
			`"updatedOn" TIMESTAMP WITH TIME ZONE NOT NULL, "tenantId" uuid, ` +
			`CONSTRAINT "PK_9c1a5f0e3b2d4c6a8e7f1b3d5a9" PRIMARY KEY ("contentTrackingId"))`,
		`CREATE TABLE "content_tracking_details" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "contentTrackingId" uuid NOT NULL, ` +
			`"userId" uuid NOT NULL, "eid" character varying NOT NULL, "mode" character varying NOT NULL, "pageid" character varying NOT NULL, ` +
			`"type" character varying NOT NULL, "subtype" character varying NOT NULL, "edata" jsonb NOT NULL, "duration" numeric NOT NULL, ` +
			`"summary" jsonb NOT NULL, "progress" numeric NOT NULL, "createdOn" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP, ` +
			`"updatedOn" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_4e2b7d9f1a3c5e7b9d1f3a5c7e9" PRIMARY KEY ("id"))`,
	}
	ServiceMigration = []string{
		`CREATE INDEX IF NOT EXISTS "idx_content_tracking_user_course_tenant" ON "content_tracking" ("userId", "courseId", "tenantId")`,
		`CREATE INDEX IF NOT EXISTS "idx_content_tracking_user_tenant" ON "content_tracking" ("userId", "tenantId")`,
		`CREATE INDEX IF NOT EXISTS "idx_content_tracking_course_tenant" ON "content_tracking" ("courseId", "tenantId")`,
		`CREATE INDEX IF NOT EXISTS "idx_content_tracking_created_on" ON "content_tracking" ("createdOn")`,
		`CREATE INDEX IF NOT EXISTS "idx_content_tracking_details_tracking_id" ON "content_tracking_details" ("contentTrackingId")`,
		`CREATE INDEX IF NOT EXISTS "idx_content_tracking_details_user_id" ON "content_tracking_details" ("userId")`,
		`CREATE INDEX IF NOT EXISTS "idx_content_tracking_details_eid" ON "content_tracking_details" ("eid")`,
	}
)
