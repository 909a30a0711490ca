"""Users, sign-in, the OAuth 2.1 authorization server, tokens and connections."""
