"""Identity: the One Login relying party, staff sign-in, sessions, internal tokens and their JWKS."""
