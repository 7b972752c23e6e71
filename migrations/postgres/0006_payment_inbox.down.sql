DROP TABLE payment_refunds;
DROP TABLE payment_links;
DROP TABLE provider_payments;
