from django.db import connection
from django.test.utils import CaptureQueriesContext


def page_queries(client, url: str) -> int:
    """How many database queries one GET of `url` costs, in the steady state: a first GET takes
    any once-a-minute session write (on a busy machine, making test data can take a minute)."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)
