from django.db import connection
from django.test.utils import CaptureQueriesContext


def page_queries(client, url: str) -> int:
    """How many database queries one GET of `url` costs."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)
