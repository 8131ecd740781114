"""The channels Kept knows. A new channel is a package under ``channels/`` and one line here."""
from __future__ import annotations

import importlib
from types import ModuleType

from flask import Flask

from channels.base import Adapter

CHANNEL_PACKAGES = {
    "email": "channels.email",
    "x": "channels.x",
    "chat": "channels.chat",
}


def package(name: str) -> ModuleType | None:
    """The channel's package, or None while it is not installed in this build."""
    try:
        return importlib.import_module(CHANNEL_PACKAGES[name])
    except ModuleNotFoundError as error:
        if error.name and CHANNEL_PACKAGES[name].startswith(error.name):
            return None
        raise


def adapter_for(name: str, app: Flask) -> Adapter:
    """One adapter per channel per app, built from the app's settings on first use."""
    cache = app.extensions.setdefault("kept_adapters", {})
    if name not in cache:
        module = package(name)
        if module is None or not hasattr(module, "make_adapter"):
            from channels.sandbox import SandboxAdapter

            cache[name] = SandboxAdapter(name)
        else:
            cache[name] = module.make_adapter(app.config)
    return cache[name]


def blueprints(app: Flask) -> list:
    """Webhook blueprints of the channels this install has switched on."""
    found = []
    for name in app.config["CHANNELS_ENABLED"]:
        module = package(name)
        if module is not None and getattr(module, "blueprint", None) is not None:
            found.append((name, module.blueprint))
    return found


def init_channels(app: Flask) -> None:
    """Let each switched-on channel attach what it needs beyond a blueprint (a Socket.IO namespace)."""
    for name in app.config["CHANNELS_ENABLED"]:
        module = package(name)
        if module is not None and hasattr(module, "init_app"):
            module.init_app(app)
