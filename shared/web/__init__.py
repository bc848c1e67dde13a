"""HTTP plumbing every service shares: problems (RFC 9457), bearer tokens, commands, health."""
