"""The engine tests: real `pulumi` commands on real projects (see conftest.py and scenario.py).

A package, so that its conftest is `engine.conftest` and never takes the module name `conftest` from
tests/conftest.py, which other test modules import (`from conftest import start_engine`)."""
