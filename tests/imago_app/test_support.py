"""Support services: configurable by whoever runs the server, shown after a private stop and on
the Support page, and never told to anyone."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from imago_app import support
from imago_app.models import AuditEntry
from tests.factories import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_list(tmp_path, settings):
    path = tmp_path / "support.json"
    path.write_text(
        json.dumps(
            {
                "about": "Chosen by the Riverside practice.",
                "region_names": {"NZ": "New Zealand"},
                "resources": [
                    {"regions": ["NZ"], "name": "Need to talk?", "phone": "1737", "text": "1737"},
                    {"regions": ["NZ"], "languages": ["mi"], "name": "Te reo line", "phone": "1"},
                    {"regions": ["*"], "name": "Your local emergency number"},
                    {"regions": ["US"], "name": "US line", "url": "https://example.org/help"},
                ],
            }
        ),
        encoding="utf-8",
    )
    settings.SUPPORT_RESOURCES_FILE = str(path)
    support.directory.cache_clear()
    yield path
    support.directory.cache_clear()


def test_the_default_list_says_honestly_what_it_is():
    directory = support.directory()
    assert directory.default
    assert "have not replaced them" in directory.about
    names = [r.name for r in directory.for_viewer("en-US,en;q=0.9")]
    assert "988 Suicide and Crisis Lifeline" in names
    assert names[-2:] == ["Your local emergency number", "Find A Helpline"]


def test_services_are_chosen_by_the_viewers_region_and_language(own_list):
    directory = support.directory()
    assert not directory.default
    assert [r.name for r in directory.for_viewer("en-NZ")] == [
        "Need to talk?",
        "Your local emergency number",
    ]
    assert [r.name for r in directory.for_viewer("mi-NZ")][:2] == ["Need to talk?", "Te reo line"]
    # No region in the browser's language: only what serves anywhere.
    assert [r.name for r in directory.for_viewer("en")] == ["Your local emergency number"]
    assert [r.name for r in directory.for_viewer("")] == ["Your local emergency number"]
    regions = [name for name, _ in directory.by_region("en-NZ")]
    assert regions[0] == "New Zealand" and regions[1] == "Anywhere" and "US" in regions


@pytest.mark.parametrize(
    "content, problem",
    [
        ("not json", "cannot be used"),
        ('{"resources": [{"about": "no name"}]}', "cannot be used"),
        ('{"resources": [{"name": "x", "url": "javascript:alert(1)"}]}', "must be http"),
    ],
)
def test_a_support_file_that_cannot_be_used_stops_the_app(tmp_path, content, problem):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=problem):
        support.load(path)


def test_the_support_page_is_open_to_anyone_and_records_nothing(client, own_list, partner_a):
    page = text(client.get(reverse("support"), HTTP_ACCEPT_LANGUAGE="en-NZ"))
    assert "Need to talk?" in page and "Call 1737" in page and "Text 1737" in page
    assert "Chosen by the Riverside practice." in page
    assert page.index("New Zealand") < page.index("US line")
    client.force_login(partner_a)
    before = AuditEntry.objects.count()
    response = client.get(reverse("support"))
    assert 'href="tel:1737"' in response.content.decode()
    assert AuditEntry.objects.count() == before  # nobody learns that someone looked


def test_every_page_has_support_in_its_footer(client, client_a):
    for response in (client.get(reverse("login")), client_a.get(reverse("home"))):
        assert f'<footer class="foot">\n    <a href="{reverse("support")}">Support</a>' in (
            response.content.decode()
        )


def test_a_push_over_a_socket_chooses_services_as_the_page_does(own_list):
    from django.template.loader import render_to_string

    from imago_app.consumers import ScopeRequest
    from tests.factories import make_partner

    scope = {
        "user": make_partner("Alex"),
        "headers": [(b"host", b"127.0.0.1"), (b"accept-language", b"en-NZ,en;q=0.8")],
    }
    html = render_to_string("imago_app/_support.html", {}, request=ScopeRequest(scope))
    assert "Need to talk?" in html
