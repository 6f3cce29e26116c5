"""The aiohttp application: routes, security headers, error pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from response_bot.errors import StorageUnavailable
from response_bot.web.health import Health
from response_bot.web.pages import Pages

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def build_web_app(*, health: Health, pages: Pages) -> web.Application:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except StorageUnavailable as error:
            response = pages.render(
                "error.html", status=503, title="Try again shortly", message=error.message
            )
        response.headers.update(SECURITY_HEADERS)
        return response

    app = web.Application(middlewares=[guard])
    app.router.add_get("/healthz", health.handle)
    app.router.add_get(r"/incidents/{incident_id:\d+}", pages.incident)
    return app


async def start_web(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve `app`; returns the runner and the bound port (useful when `port` is 0)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    return runner, int(bound)
