"""What a team might build instead, for `make bench` to compare with: the same signing rule
(a resident signs with a team while it has places) as a conventional CRUD service, and on the
eventsourcing library's default application."""
