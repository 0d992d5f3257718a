// Package coursestatus is perfgate's reference implementation of the
// assessment-tracking service's POST /content/course/status endpoint, in
// the two versions the deployment checklist compares:
//
//   - Naive reproduces the original NestJS service statement for statement:
//     for each requested user and course, one query on content_tracking,
//     then one query on content_tracking_details per returned row (the N+1
//     loop behind the 50 s responses).
//   - Optimized answers the same request with exactly one statement: a CTE
//     that LEFT JOINs the details, aggregates per content and per course,
//     and returns one row per requested (user, course) pair in request
//     order.
//
// For every request that Optimized accepts, both return byte-identical
// JSON. Where the original misbehaved (a non-UUID userId reached Postgres
// and came back as a 500; an empty userId list returned 200 with empty
// data), Naive keeps the original behaviour and Optimized answers 400.
//
// Every statement sent through a pool built by Connect is counted per
// request by StatementTracer; the handler reports the count in the
// X-Statements response header.
package coursestatus
