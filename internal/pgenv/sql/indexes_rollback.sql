-- Rollback of the seven performance indexes: back to the "before" state.
DROP INDEX CONCURRENTLY IF EXISTS idx_content_tracking_user_course_tenant;
DROP INDEX CONCURRENTLY IF EXISTS idx_content_tracking_user_tenant;
DROP INDEX CONCURRENTLY IF EXISTS idx_content_tracking_course_tenant;
DROP INDEX CONCURRENTLY IF EXISTS idx_content_tracking_created_on;
DROP INDEX CONCURRENTLY IF EXISTS idx_content_tracking_details_content_tracking_id;
DROP INDEX CONCURRENTLY IF EXISTS idx_content_tracking_details_user_id;
DROP INDEX CONCURRENTLY IF EXISTS idx_content_tracking_details_eid;
