-- Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d):
-- one database per service, as the services expect (README, "Configuration": DATABASE_URL).
-- The services apply their own migrations at start-up.
CREATE DATABASE gochat_auth;
CREATE DATABASE gochat_users;
CREATE DATABASE gochat_socket_handler;
CREATE DATABASE gochat_messages;
CREATE DATABASE gochat_notifications;
