"""preflight: predict AWS CloudFormation deployment failures before you deploy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from preflight.api import check_file, check_text, fix_text

__all__ = ["__version__", "check_file", "check_text", "fix_text"]


def __getattr__(name: str) -> Any:
    # The API is imported lazily so that `import preflight` stays cheap (start-up is a feature).
    if name in ("check_file", "check_text", "fix_text"):
        from preflight import api

        return getattr(api, name)
    raise AttributeError(name)
