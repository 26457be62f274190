-- Run by the server at every start (--init-file): idempotent.
CREATE DATABASE IF NOT EXISTS shop;
CREATE TABLE IF NOT EXISTS shop.items (id INT PRIMARY KEY, name VARCHAR(64));
INSERT IGNORE INTO shop.items VALUES (1, 'teapot'), (2, 'kettle');
