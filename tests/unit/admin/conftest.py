"""The admin operations against moto: the storage package's table, clock and call counter."""

from tests.unit.storage.conftest import calls, clock_at, db, stack  # noqa: F401 (fixtures)
