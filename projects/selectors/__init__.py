"""Reads of the programme (being split into one module per entity; for now all in one)."""

from .milestones import *  # noqa: F403
