DROP TABLE dashboard_assets;
DROP TABLE dashboards;
DROP TABLE dashboard_folders;
