// Package e2e holds end-to-end tests that run the real idcenter binary as a
// separate process and drive it with clients nobody here wrote: the stock
// AWS CLI v2 (/usr/bin/aws), the AWS SDK for Go v2 and, later, boto3 and
// headless Chromium. They also kill the process at random points (crash
// safety) and run several replicas on one PostgreSQL.
package e2e
