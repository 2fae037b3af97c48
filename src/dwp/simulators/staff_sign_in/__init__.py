"""Staff sign-in simulator: an OpenID Connect provider shaped like Microsoft Entra ID (v2.0 endpoints).

Caseworkers do not use One Login; they sign in with the department's corporate identity provider,
whose ID tokens carry the app roles assigned to them in a `roles` claim (Microsoft identity platform,
"ID token claims reference").
"""
