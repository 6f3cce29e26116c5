"""Loading building blocks: the built-ins, modules named in RESPONSE_PLUGINS, and entry points."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from importlib.metadata import entry_points
from types import ModuleType

from response_bot.errors import StartupError
from response_bot.extensions.registry import Registry

ENTRY_POINT_GROUP = "response_bot.plugins"
BUILTIN_MODULES = ("response_bot.builtins.commands",)


def load(
    plugin_modules: Iterable[str], *, include_entry_points: bool = True, integrations: Iterable[object] = ()
) -> Registry:
    """Built-ins first, so a plugin may replace a built-in command by using its name; then the
    integrations configured at start (objects whose methods are building blocks)."""
    registry = Registry()
    for name in BUILTIN_MODULES:
        registry.add_module(importlib.import_module(name))
    for integration in integrations:
        registry.add_module(integration)
    for name in plugin_modules:
        _add(registry, _import(name, "RESPONSE_PLUGINS"))
    if include_entry_points:
        for point in entry_points(group=ENTRY_POINT_GROUP):
            try:
                loaded = point.load()
            except Exception as error:
                raise StartupError(
                    f"plugin entry point '{point.name}' ({point.value}) failed to load: {_one_line(error)}"
                ) from None
            _add(
                registry, loaded if isinstance(loaded, ModuleType) else importlib.import_module(point.module)
            )
    return registry


def _add(registry: Registry, module: ModuleType) -> None:
    try:
        registry.add_module(module)
    except (TypeError, ValueError) as error:
        raise StartupError(f"plugin module '{module.__name__}': {error}") from None


def _import(name: str, source: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as error:
        raise StartupError(f"{source}: plugin module '{name}' failed to import: {_one_line(error)}") from None


def _one_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
