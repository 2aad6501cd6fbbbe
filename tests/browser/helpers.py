"""Small helpers for driving the app in a real browser."""

from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page, expect


def sign_in(context: BrowserContext, base_url: str, user) -> None:
    """Give a browser context a signed-in session for `user` (made in the shared database)."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )


def tap(page: Page, name: str) -> None:
    """Press the one visible button with this name."""
    page.get_by_role("button", name=name, exact=True).click()


def heading(page: Page, text: str, timeout: int = 10_000) -> None:
    """Wait until the stage's heading (and task line) says `text` (pushed live, no reload)."""
    expect(page.locator("#stage-head")).to_contain_text(text, timeout=timeout)


def watch_console(page: Page) -> list[str]:
    """Collect console errors and page errors (a CSP violation shows up here)."""
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(f"{msg.text} ({msg.location.get('url')})")
            if msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


def off_loop(fn, *args, **kwargs):
    """Run a service call in a worker thread.

    Services tell sockets after commit through `async_to_sync`, which refuses to run in a thread
    that has an event loop, and Playwright's sync API keeps one in the main thread.
    """
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def call():
        try:
            return fn(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()
