"""The platform's command line: run everything locally, serve one service, mint dev tokens."""
