"""A county's year driven through the platform's public APIs, as its people would (issue 8)."""
