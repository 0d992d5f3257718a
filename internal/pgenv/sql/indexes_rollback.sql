-- Rollback of the seven performance indexes, back to the "before" state,
-- for people who do it by hand in psql: psql -f indexes_rollback.sql.
--
-- It does not drop by bare name: DROP INDEX idx_… resolves the name through
-- the search path and can drop another schema's index of that name, on
-- another table. Instead it lists, from the catalog, the migration's
-- indexes on the content_tracking and content_tracking_details tables the
-- search path resolves, and psql's \gexec runs one schema-qualified
-- DROP INDEX CONCURRENTLY per index found (outside any transaction).
-- An index on the same columns under another name is left in place.
-- `perfgate db indexes rollback` does the same, also leaves an index that
-- has one of these names on other columns, and reports what it left.
SELECT format('DROP INDEX CONCURRENTLY IF EXISTS %I.%I', n.nspname, i.relname)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE (t.oid = to_regclass('content_tracking') AND i.relname IN (
           'idx_content_tracking_user_course_tenant',
           'idx_content_tracking_user_tenant',
           'idx_content_tracking_course_tenant',
           'idx_content_tracking_created_on'))
   OR (t.oid = to_regclass('content_tracking_details') AND i.relname IN (
           'idx_content_tracking_details_tracking_id',
           'idx_content_tracking_details_user_id',
           'idx_content_tracking_details_eid'))
ORDER BY 1
\gexec
