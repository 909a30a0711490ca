#!/bin/sh
# Runs once, when the pgvector container initialises its data folder: the login role the app
# uses for requests. The owner (POSTGRES_USER) runs migrations and grants it its rights.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE accountlens_app LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD :'password';
SQL
