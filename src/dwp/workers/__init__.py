"""Workers: Lambda handlers for the platform's queues, run locally by the `workers` process.

Workers call services over HTTP with their own service token and never import a service's code.
"""
