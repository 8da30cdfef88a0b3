"""Alembic's entry point: hands over to claims.migrate, which passes the connection and the models."""

from alembic import context

from claims.migrate import run_migrations

run_migrations(context)  # type: ignore[arg-type]  # alembic's module proxies an EnvironmentContext
