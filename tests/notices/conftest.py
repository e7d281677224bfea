"""The notices tests share the live runtime fixtures of the case tests."""

from tests.cases.conftest import analyst, client, rt, supervisor, tokens

__all__ = ["analyst", "client", "rt", "supervisor", "tokens"]
