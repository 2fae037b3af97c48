from dwp.payments.repository import metadata
from dwp.platform.migrations import run_env

run_env(metadata)
