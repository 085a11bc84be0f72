"""People: accounts, sign-in, roles held for a scope, API tokens."""
