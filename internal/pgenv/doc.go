// Package pgenv provisions and observes the PostgreSQL side of a perfgate
// run: a database (an ephemeral local cluster, a testcontainers-go
// container, or an existing DSN), the assessment-tracking service's schema,
// deterministic synthetic data, the seven indexes of the deployment
// checklist (apply, rollback, verify), and the probe (Probe, RunProbe)
// that measures what the database did during each scenario: statements,
// scans and rows per request from pg_stat_statements and
// pg_stat_user_tables, snapshotted and subtracted, never reset.
//
// The SQL it runs is embedded from the sql/ directory, which is also
// readable as plain files for people who want to apply it by hand.
//
// Every DSN that reaches a log line, an error or a report goes through
// RedactDSN first.
package pgenv
