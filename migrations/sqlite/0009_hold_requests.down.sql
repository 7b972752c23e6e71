DROP TABLE hold_requests;
