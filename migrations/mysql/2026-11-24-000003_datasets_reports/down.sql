-- Undo 000003.
DROP TABLE report_shares;
DROP TABLE jobs;
DROP TABLE reports;
DROP TABLE datasets;
