"""Writes of the programme (being split into one module per entity; for now all in one)."""

from .household_import import *  # noqa: F403
