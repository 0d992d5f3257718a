// Package pgenv provisions and observes the PostgreSQL side of a perfgate
// run: a database (an ephemeral local cluster, a testcontainers-go
// container, or an existing DSN), the assessment-tracking service's schema,
// deterministic synthetic data, the seven indexes of the deployment
// checklist (apply, rollback, verify), and the probe (Probe, opened for a
// run by OpenRunProbe and driven by the engine around each scenario) that
// measures what the database did: statements, scans, rows and index use
// per request from pg_stat_statements, pg_stat_user_tables and
// pg_stat_user_indexes, snapshotted and subtracted, never reset; the
// plans the statements ran with; connections and temporary files; and,
// at a run's start, the database's fingerprint and the freshness of its
// statistics.
//
// The SQL it runs is embedded from the sql/ directory, which is also
// readable as plain files for people who want to apply it by hand.
//
// Every DSN that reaches a log line, an error or a report goes through
// RedactDSN first.
package pgenv
