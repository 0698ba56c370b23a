"""create_app(): the API, the web pages, the static files and the scheduled jobs, nothing else."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from fangkong import __version__
from fangkong.api import PREFIX, install_error_handlers, routers
from fangkong.config import Settings, get_settings
from fangkong.scheduler import lifespan

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Fangkong 防控", version=__version__, openapi_url=f"{PREFIX}/openapi.json",
                  docs_url=f"{PREFIX}/docs", redoc_url=None, lifespan=lifespan)
    app.state.settings = settings
    for router in routers():
        app.include_router(router, prefix=PREFIX)
    from fangkong.web import install as install_web

    web_handler = install_web(app)
    install_error_handlers(app, web_handler=web_handler)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
