"""The values ``zmd_renovation.settings.production`` sets, for tests that run pages under them."""

import importlib
import os
import secrets
import sys
from typing import Any
from unittest import mock

MODULE = "zmd_renovation.settings.production"


def production_settings(**env: str) -> dict[str, Any]:
    """The production settings module's values under ``env`` (a fresh import, forgotten after)."""
    environment = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "portal.example.gov.cn",
        "DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal",
        **env,
    }
    with mock.patch.dict(os.environ, environment):
        sys.modules.pop(MODULE, None)
        try:
            module = importlib.import_module(MODULE)
        finally:
            sys.modules.pop(MODULE, None)
    return {name: getattr(module, name) for name in dir(module) if name.isupper()}
