"""The one answer to "which address did this request come from" (sign-in throttling and the
security log both ask it)."""

from django.test import RequestFactory

from imago_app.addresses import client_address


def request(remote: str = "127.0.0.1", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_proxy_it_is_the_connection_and_a_forwarded_header_means_nothing(settings):
    settings.PROXY_COUNT = 0
    assert client_address(request("192.0.2.10")) == "192.0.2.10"
    assert client_address(request("192.0.2.10", forwarded="10.0.0.1")) == "192.0.2.10"


def test_behind_one_proxy_it_is_the_address_that_proxy_appended(settings):
    settings.PROXY_COUNT = 1
    # The README's nginx sends one entry for a client that sent none of its own…
    assert client_address(request(forwarded="203.0.113.7")) == "203.0.113.7"
    # …and appends to what the client sent, which anybody can make up.
    assert client_address(request(forwarded="10.9.8.7, 203.0.113.7")) == "203.0.113.7"
    assert client_address(request(forwarded="a, b,203.0.113.7 ")) == "203.0.113.7"
    assert client_address(request(forwarded="2001:db8::1")) == "2001:db8::1"
    # daphne --proxy-headers puts the left-most entry in REMOTE_ADDR; it is not believed.
    spoofed = request("10.9.8.7", forwarded="10.9.8.7, 203.0.113.7")
    assert client_address(spoofed) == "203.0.113.7"


def test_behind_two_proxies_it_is_the_second_entry_from_the_right(settings):
    settings.PROXY_COUNT = 2
    forwarded = "6.6.6.6, 203.0.113.7, 198.51.100.1"
    assert client_address(request(forwarded=forwarded)) == "203.0.113.7"
    # Fewer entries than proxies: it came past fewer of them; the first is the best there is.
    assert client_address(request(forwarded="203.0.113.7")) == "203.0.113.7"


def test_a_request_that_did_not_come_through_the_proxy_is_its_connection(settings):
    settings.PROXY_COUNT = 1
    assert client_address(request("127.0.0.1")) == "127.0.0.1"  # a health check on loopback
    assert client_address(request("127.0.0.1", forwarded=" ")) == "127.0.0.1"


def test_something_that_is_not_an_address_is_never_the_answer(settings):
    settings.PROXY_COUNT = 1
    assert client_address(request("127.0.0.1", forwarded="unknown")) == "127.0.0.1"
    assert client_address(request("not an address", forwarded="garbage")) is None
