"""Channel adapters, one self-contained package per channel behind :mod:`channels.base`."""
