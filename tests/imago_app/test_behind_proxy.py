"""Sign-in throttling behind the README's proxy, on a real daphne started with --proxy-headers.

Every request carries the X-Forwarded-For that the README's nginx makes
(`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`): the address nginx saw,
appended to whatever the client sent itself. Partners at home share one address.
"""

import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from imago_app.models import AuditEntry
from imago_app.throttle import DEVICE_COOKIE
from tests.conftest import Daphne
from tests.factories import PASSWORD, make_partner

HOME = "203.0.113.7"  # the couple's home connection
ELSEWHERE = "198.51.100.9"


@pytest.fixture
def proxied(transactional_db, tmp_path):
    server = Daphne(
        tmp_path / "daphne.log", extra_env={"BEHIND_PROXY": "1"}, args=["--proxy-headers"]
    ).start()
    yield server
    server.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser reached through nginx from `address`; `claims` is an X-Forwarded-For the
    browser sends itself, which nginx keeps and appends the real address to."""

    def __init__(self, server: Daphne, address: str, claims: str | None = None):
        self.server, self.address, self.claims = server, address, claims
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect
        )

    def forwarded_for(self) -> str:
        # nginx: $proxy_add_x_forwarded_for is the client's header, ", ", then $remote_addr.
        return f"{self.claims}, {self.address}" if self.claims else self.address

    def request(self, path: str, form: dict | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(
            self.server.url + path,
            data=data,
            headers={"X-Forwarded-For": self.forwarded_for(), "X-Forwarded-Proto": "http"},
        )
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.read().decode()

    def token(self, path: str = "/accounts/login/") -> str:
        _status, body = self.request(path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)

    def sign_in(self, username: str, password: str) -> int:
        form = {"username": username, "password": password, "csrfmiddlewaretoken": self.token()}
        return self.request("/accounts/login/", form)[0]

    def sign_out(self) -> None:
        self.request("/accounts/logout/", {"csrfmiddlewaretoken": self.token("/")})

    def has_device_cookie(self) -> bool:
        return any(cookie.name == DEVICE_COOKIE for cookie in self.cookies)


def test_two_addresses_behind_the_proxy_are_two_clients(proxied):
    sam = make_partner("Sam")
    guesser = Browser(proxied, ELSEWHERE)
    answers = [guesser.sign_in(sam.username, "guess") for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]  # the fifth wrong password pauses it
    assert guesser.sign_in(sam.username, PASSWORD) == 429  # at that address only
    assert Browser(proxied, HOME).sign_in(sam.username, PASSWORD) == 302
    failed = AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN_FAILED)
    assert set(failed.values_list("ip", flat=True)) == {ELSEWHERE}


def test_a_known_phone_keeps_working_whatever_is_tried_from_the_same_home(proxied):
    sam = make_partner("Sam")
    phone = Browser(proxied, HOME)
    assert phone.sign_in(sam.username, PASSWORD) == 302 and phone.has_device_cookie()
    phone.sign_out()
    partner = Browser(proxied, HOME)  # the other partner, at home, in their own browser
    answers = [partner.sign_in(sam.username, "guess") for _ in range(15)]
    assert answers[-1] == 429
    assert phone.sign_in(sam.username, PASSWORD) == 302


def test_a_known_phone_is_paused_by_its_own_failures_and_nobody_else_is(proxied):
    sam = make_partner("Sam")
    phone = Browser(proxied, HOME)
    assert phone.sign_in(sam.username, PASSWORD) == 302
    phone.sign_out()
    answers = [phone.sign_in(sam.username, "guess") for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    assert phone.sign_in(sam.username, PASSWORD) == 429
    assert Browser(proxied, HOME).sign_in(sam.username, PASSWORD) == 302


def test_an_address_the_client_claims_for_itself_is_not_believed(proxied):
    sam = make_partner("Sam")
    answers = [  # a new made-up address every time, all from one real one
        Browser(proxied, ELSEWHERE, claims=f"10.9.8.{n}").sign_in(sam.username, "guess")
        for n in range(5)
    ]
    assert answers == [200, 200, 200, 200, 429]
    assert Browser(proxied, ELSEWHERE, claims="10.9.8.99").sign_in(sam.username, PASSWORD) == 429
    failed = AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN_FAILED)
    assert set(failed.values_list("ip", flat=True)) == {ELSEWHERE}
