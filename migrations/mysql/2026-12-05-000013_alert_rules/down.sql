DROP TABLE alert_runs;
DROP TABLE alert_events;
DROP TABLE alert_rules;
