DROP TABLE window_customers;
DROP TABLE window_regions;
DROP TABLE impact_windows;
DROP TABLE incidents;
