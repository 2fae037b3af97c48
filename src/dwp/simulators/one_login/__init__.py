"""GOV.UK One Login simulator: an OpenID Connect provider that follows One Login's technical documentation.

Pages it follows (docs.sign-in.service.gov.uk):
- /integrate-with-integration-environment/authenticate-your-user/ (authorize, token, ID token, userinfo)
- /integrate-with-integration-environment/prove-users-identity/ (coreIdentityJWT, address, returnCode)
- /integrate-with-integration-environment/managing-your-users-sessions/ (logout, back-channel logout)
"""
