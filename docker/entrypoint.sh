#!/bin/sh
# Runs the task's process. The database and cache arrive as parts on AWS (the host from the stack, the
# credentials from Secrets Manager as ECS secrets, so no password is in a task definition); the platform's
# settings assemble the URLs from them (dwp.platform.settings), the one place that does, for the Lambda
# functions too, which have no entrypoint of ours.
set -eu

if [ "$#" -eq 0 ]; then
    set -- dwp serve "${DWP_SERVICE:?set DWP_SERVICE, or pass a command such as: dwp serve claims}" --host 0.0.0.0
fi
exec "$@"
