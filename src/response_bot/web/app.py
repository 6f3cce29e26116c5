"""The aiohttp application: routes, who is reading, security headers, error pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from response_bot.db.errors import StorageError
from response_bot.web.auth import VIEWER, Authenticator, Denied
from response_bot.web.health import Health
from response_bot.web.insights import InsightsPages
from response_bot.web.json_api import JsonApi
from response_bot.web.metrics import Metrics
from response_bot.web.pages import Pages

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
OPEN_PATHS = ("/healthz", "/metrics", "/login", "/auth/callback")


def build_web_app(
    *,
    health: Health,
    pages: Pages,
    api: JsonApi,
    auth: Authenticator,
    metrics: Metrics,
    insights: InsightsPages,
) -> web.Application:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            # The API checks its own tokens; pages need a reader.
            if not request.path.startswith(OPEN_PATHS) and not request.path.startswith("/api/"):
                request[VIEWER] = await auth.viewer(request)
            response = await handler(request)
        except Denied as denied:
            response = denied.response
        except web.HTTPException as http:
            http.headers.update(SECURITY_HEADERS)
            raise
        except StorageError:
            response = pages.render(
                "error.html",
                status=503,
                title="Try again shortly",
                message="The incident database isn't answering right now. Please try again in a moment.",
            )
        response.headers.update(SECURITY_HEADERS)
        return response

    app = web.Application(middlewares=[guard])
    app.router.add_get("/healthz", health.handle)
    app.router.add_get("/metrics", metrics.handle)
    app.router.add_get("/", pages.index)
    app.router.add_get("/webhooks", pages.webhooks)
    app.router.add_get("/insights", insights.page)
    app.router.add_get(r"/insights/{chart}.csv", insights.csv)
    app.router.add_get(r"/incidents/{incident_id:\d+}", pages.incident)
    app.router.add_get(r"/incidents/{incident_id:\d+}/report.md", pages.report)
    app.router.add_routes(api.routes)
    app.router.add_routes(auth.routes)
    return app


async def serve_web(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve `app`; returns the runner and the bound port (useful when `port` is 0)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    return runner, int(bound)
