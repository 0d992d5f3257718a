-- The seven performance indexes of the deployment checklist's migration
-- (add_performance_indexes.sql). CONCURRENTLY cannot run inside a
-- transaction block, so perfgate runs each statement on its own.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_content_tracking_user_course_tenant
    ON content_tracking ("userId", "courseId", "tenantId");
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_content_tracking_user_tenant
    ON content_tracking ("userId", "tenantId");
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_content_tracking_course_tenant
    ON content_tracking ("courseId", "tenantId");
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_content_tracking_created_on
    ON content_tracking ("createdOn");
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_content_tracking_details_content_tracking_id
    ON content_tracking_details ("contentTrackingId");
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_content_tracking_details_user_id
    ON content_tracking_details ("userId");
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_content_tracking_details_eid
    ON content_tracking_details ("eid");
-- The planner needs fresh statistics to pick the new indexes.
ANALYZE content_tracking;
ANALYZE content_tracking_details;
