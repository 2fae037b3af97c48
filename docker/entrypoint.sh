#!/bin/sh
# Builds DATABASE_URL and REDIS_URL from parts when they are not given whole: on AWS the host comes from
# the stack and the credentials from Secrets Manager (ECS secrets), so no password is in a task definition.
set -eu

urlquote() {
    python -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"
}

if [ -z "${DATABASE_URL:-}" ] && [ -n "${DB_HOST:-}" ]; then
    DATABASE_URL="postgresql+asyncpg://$(urlquote "${DB_USERNAME}"):$(urlquote "${DB_PASSWORD}")@${DB_HOST}:${DB_PORT:-5432}/${DB_NAME:-dwp}"
    export DATABASE_URL
fi
if [ -z "${REDIS_URL:-}" ] && [ -n "${REDIS_HOST:-}" ]; then
    REDIS_URL="rediss://:$(urlquote "${REDIS_AUTH_TOKEN:-}")@${REDIS_HOST}:${REDIS_PORT:-6379}/0"
    export REDIS_URL
fi
unset DB_PASSWORD REDIS_AUTH_TOKEN 2>/dev/null || true

if [ "$#" -eq 0 ]; then
    set -- dwp serve "${DWP_SERVICE:?set DWP_SERVICE, or pass a command such as: dwp serve claims}" --host 0.0.0.0
fi
exec "$@"
