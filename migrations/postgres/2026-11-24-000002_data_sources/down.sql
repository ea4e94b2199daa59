DROP TABLE datamarts;
DROP TABLE data_sources;
