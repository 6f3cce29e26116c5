"""The web adapter: incident doc pages, health and (later) the JSON API, on aiohttp."""
