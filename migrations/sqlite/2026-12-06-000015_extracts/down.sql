DROP TABLE extract_refreshes;
DROP TABLE extracts;
