"""A stateful local emulator of the Alibaba Cloud ECS API subset that security-group work touches."""

# The distribution's own version (pyproject.toml reads it); independent of the collection's.
__version__ = "1.0.0"

API_VERSION = "2014-05-26"
