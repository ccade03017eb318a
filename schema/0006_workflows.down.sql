DROP VIEW IF EXISTS failed_actions;
DROP TABLE IF EXISTS pattern_signatures;
DROP TABLE IF EXISTS action_history;
-- Dropping the partitioned table drops its partitions.
DROP TABLE IF EXISTS workflow_executions;
