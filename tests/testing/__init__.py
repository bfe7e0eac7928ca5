"""Shared test helpers, importable as `testing` (pytest puts tests/ on sys.path).

- `testing.repo`: real git repositories in temporary folders (`GitRepo`, the demo monorepo, the
  console script in a subprocess).
- `testing.github`: a local HTTP server speaking github.com's REST shapes (the only faked part).
- `testing.prometheus`: a real Prometheus on 127.0.0.1 with generated SLI history.
- `testing.typed`: `present(x)`, a result the test expects, narrowed from `X | None`.

conftest.py holds only the fixtures built from these.
"""
