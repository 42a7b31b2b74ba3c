DROP TABLE credits;
DROP TABLE credit_runs;
