-- The seven performance indexes of the deployment checklist's migration
-- (add_performance_indexes.sql), with the migration's names, for people who
-- apply it by hand: psql -f indexes_apply.sql. CONCURRENTLY cannot run
-- inside a transaction block, so run the statements one by one (psql does).
--
-- perfgate itself does not run this file: `perfgate db indexes apply` reads
-- the catalog first, keeps an index that is present under another name
-- (same table and columns) instead of building a duplicate, rebuilds an
-- INVALID one, refuses when one of these names is taken by an index on
-- other columns, and builds on the schema-qualified tables.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_content_tracking_user_course_tenant" ON "content_tracking" ("userId", "courseId", "tenantId");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_content_tracking_user_tenant" ON "content_tracking" ("userId", "tenantId");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_content_tracking_course_tenant" ON "content_tracking" ("courseId", "tenantId");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_content_tracking_created_on" ON "content_tracking" ("createdOn");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_content_tracking_details_tracking_id" ON "content_tracking_details" ("contentTrackingId");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_content_tracking_details_user_id" ON "content_tracking_details" ("userId");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_content_tracking_details_eid" ON "content_tracking_details" ("eid");
-- The planner needs fresh statistics to pick the new indexes.
ANALYZE "content_tracking";
ANALYZE "content_tracking_details";
