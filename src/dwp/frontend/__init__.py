"""The citizen web app's backend-for-frontend: serves the built SPA, holds the session cookie, forwards
API calls to the gateway with the person's own short-lived token."""
