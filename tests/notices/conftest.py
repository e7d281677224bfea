"""The notices tests share the live runtime fixtures of the case tests."""

from tests.cases.conftest import analyst, client, rt, rt_settings, supervisor, tokens

__all__ = ["analyst", "client", "rt", "rt_settings", "supervisor", "tokens"]
