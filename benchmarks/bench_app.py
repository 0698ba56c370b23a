"""The app the load benchmark serves: ``fangkong.app.create_app()``, read from FANGKONG_* settings.

Only if the web pages cannot be imported (a half-finished ``fangkong.*.web`` module in a working
tree) does it fall back to the same JSON API routers and error handlers without the web pages; it
says so on stderr (``BENCH_APP_MODE=...``) and the benchmark reports the mode, so a run against
the fallback is never mistaken for one against the full app. Every benchmarked route is under
/api/v1, which the fallback serves with the same code.
"""

from __future__ import annotations

import sys


def create():
    from fangkong.app import create_app

    try:
        app = create_app()
    except ImportError as exc:
        if not (getattr(exc, "name", "") or "").startswith("fangkong."):
            raise
        print(f"BENCH_APP_MODE=api-only ({type(exc).__name__}: {exc})", file=sys.stderr, flush=True)
        return _api_only()
    print("BENCH_APP_MODE=create_app", file=sys.stderr, flush=True)
    return app


def _api_only():
    from fastapi import FastAPI

    from fangkong.api import PREFIX, install_error_handlers, routers
    from fangkong.config import get_settings

    app = FastAPI(openapi_url=f"{PREFIX}/openapi.json")
    app.state.settings = get_settings()
    for router in routers():
        app.include_router(router, prefix=PREFIX)
    install_error_handlers(app)
    return app
