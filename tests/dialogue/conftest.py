import pytest

from dialogue import services
from tests.factories import make_dialogue


@pytest.fixture
def dialogue(couple, partner_a):
    """Alex has asked Sam for a written dialogue on two phones."""
    return make_dialogue(couple, partner_a, topic="Sunday")


@pytest.fixture
def move(dialogue):
    """Make a move as someone; returns the new sequence number."""

    def make(who, kind, **fields):
        return services.dialogue_move(
            dialogue_id=dialogue.pk, partner=who, kind=kind, key=new_key(), **fields
        )

    return make


def new_key() -> str:
    import secrets

    return secrets.token_urlsafe(12)
