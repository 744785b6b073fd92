"""The installed package's version, from its metadata (never from the package root)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("resilience-qda")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
