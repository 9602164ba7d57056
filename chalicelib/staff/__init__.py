"""Staff: verifying sign-in tokens and roles, the staff directory, signing in and renewing tokens."""
