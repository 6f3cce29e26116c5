"""The tree of errors people are told about, drawn in `response_bot.errors`, is complete and true."""

from __future__ import annotations

import importlib
import pkgutil
import re

import response_bot
from response_bot import errors
from response_bot.db.errors import StorageError
from response_bot.settings import ConfigError

ROOTS: tuple[type[Exception], ...] = (errors.UserError, StorageError, errors.StartupError, ConfigError)


def every_module() -> None:
    for module in pkgutil.walk_packages(response_bot.__path__, "response_bot."):
        if module.name != "response_bot.__main__":
            importlib.import_module(module.name)


def subclasses(root: type[Exception]) -> set[type[Exception]]:
    found = set()
    for child in root.__subclasses__():
        found |= {child, *subclasses(child)}
    return found


def drawn() -> dict[str, str]:
    """Each name in the tree → the name of the class drawn as its parent."""
    doc = errors.__doc__ or ""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in doc.splitlines():
        match = re.match(r"^(?P<lead>[ │├└─]*)(?P<name>[A-Za-z_.]+)\b", line)
        if (
            not match
            or not line.startswith("    ")
            or (not match.group("name")[0].isupper() and "." not in match.group("name"))
        ):
            continue
        depth = len(match.group("lead"))
        name = match.group("name").rsplit(".", 1)[-1]
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[name] = stack[-1][1] if stack else ""
        stack.append((depth, name))
    return parents


def test_every_error_people_are_told_about_is_in_the_tree_under_its_parent() -> None:
    every_module()
    tree = drawn()
    for root in ROOTS:
        assert tree.get(root.__name__) == "Exception", f"{root.__name__} is not drawn under Exception"
        for error in subclasses(root):
            assert error.__name__ in tree, f"{error.__module__}.{error.__name__} is missing from errors.py"
            assert tree[error.__name__] == error.__mro__[1].__name__, (
                f"{error.__name__} is drawn under {tree[error.__name__]}, but its parent is "
                f"{error.__mro__[1].__name__}"
            )


def test_the_tree_names_no_error_that_does_not_exist() -> None:
    every_module()
    real = {cls.__name__ for root in ROOTS for cls in {root, *subclasses(root)}} | {"Exception"}
    assert set(drawn()) - real == set()
