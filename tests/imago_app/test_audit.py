"""The security log: what is recorded, that it cannot be changed, and that changes are found."""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from imago_app import audit, services
from imago_app.models import AuditEntry
from tests.factories import PASSWORD, make_couple, make_link, make_partner, make_therapist

pytestmark = pytest.mark.django_db


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


def test_sign_in_sign_out_and_failed_sign_in_are_recorded(client, partner_a):
    client.post(reverse("login"), {"username": "alex", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    client.post(reverse("login"), {"username": "nobody", "password": "x"}, REMOTE_ADDR="10.1.1.1")
    client.post(reverse("login"), {"username": partner_a.username, "password": PASSWORD})
    client.post(reverse("logout"))
    assert actions() == ["sign_in_failed", "sign_in_failed", "signed_in", "signed_out"]
    failed = AuditEntry.objects.filter(action="sign_in_failed").order_by("seq")
    assert [(e.username, e.ip, e.actor_id) for e in failed] == [
        ("alex", "10.1.1.1", None),
        ("nobody", "10.1.1.1", None),
    ]
    assert AuditEntry.objects.get(action="signed_in").actor == partner_a
    assert audit.verify().intact


def test_consent_given_and_ended_are_recorded_and_shown_to_the_couple(
    client, couple, partner_a, partner_b, therapist
):
    invite = services.therapist_invite_create(couple=couple, partner=partner_a)
    link = services.therapist_link_join(therapist=therapist, code=invite.code)
    services.therapist_consent_give(link=link, partner=partner_b)
    services.therapist_link_end(link=link, partner=partner_b)
    consent = AuditEntry.objects.filter(couple=couple).order_by("seq")
    assert [(e.action, e.actor) for e in consent] == [
        ("consent_given", partner_a),
        ("consent_given", partner_b),
        ("consent_ended", partner_b),
    ]
    client.force_login(partner_a)
    page = client.get(reverse("access_log", args=[couple.pk])).content.decode()
    assert "Sam ended a therapist&#x27;s access." in page


def test_closing_the_couple_ends_consent_on_the_record(couple, partner_a, therapist):
    make_link(couple, therapist)
    services.couple_leave(couple=couple, partner=partner_a)
    ended = AuditEntry.objects.get(action="consent_ended")
    assert (ended.couple, ended.actor, ended.what) == (couple, partner_a, "couple closed")


def test_refused_access_is_recorded_with_what_was_asked(client, couple, outsider, therapist):
    client.force_login(outsider)
    assert client.get(reverse("access_log", args=[couple.pk])).status_code == 404
    client.force_login(therapist)
    assert client.get(reverse("therapist_couple", args=[couple.pk])).status_code == 404
    denied = AuditEntry.objects.filter(action="denied").order_by("seq")
    assert [(e.actor, e.what) for e in denied] == [
        (outsider, f"GET /couples/{couple.pk}/access-log/"),
        (therapist, f"GET /therapist/couples/{couple.pk}/"),
    ]
    # Nothing of the refused couple is attached to the line.
    assert all(e.couple_id is None for e in denied)


def test_entries_cannot_be_changed_or_removed_through_the_app():
    entry = audit.record(audit.Action.SIGNED_IN, actor=make_partner())
    entry.what = "something else"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.update(what="x")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()


def test_the_database_refuses_to_change_an_entry():
    audit.record(audit.Action.SIGNED_IN, actor=make_partner())
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE imago_app_auditentry SET what = 'x'")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM imago_app_auditentry")
    assert AuditEntry.objects.get().what == ""


def chain(n: int) -> list[AuditEntry]:
    partner = make_partner()
    for i in range(n):
        audit.record(audit.Action.SIGNED_IN, actor=partner, what=f"line {i}")
    return list(AuditEntry.objects.order_by("seq"))


def test_verify_finds_the_first_changed_removed_or_reordered_entry():
    entries = chain(5)
    assert audit.verify(iter(entries)).intact
    assert audit.verify(iter(entries)).head == entries[-1].hash

    changed = [*entries]
    changed[2].what = "edited"
    verdict = audit.verify(iter(changed))
    assert (verdict.broken_at, verdict.reason, verdict.entries) == (3, "its content was changed", 2)

    entries = list(AuditEntry.objects.order_by("seq"))
    removed = entries[:1] + entries[2:]
    verdict = audit.verify(iter(removed))
    assert (verdict.broken_at, verdict.reason) == (3, "entry 2 is missing")

    # Renumbered to hide the gap: the next line no longer follows the one before it.
    for seq, entry in enumerate(removed, start=1):
        entry.seq = seq
    assert audit.verify(iter(removed)).broken_at == 2


def test_the_command_reports_an_intact_chain_and_the_first_broken_entry(capsys):
    chain(3)
    call_command("audit_verify")
    assert "intact: 3 entries" in capsys.readouterr().out
    # Tamper behind the app's back: drop the guard inside this test's transaction.
    with connection.cursor() as cursor:
        drop = "DROP TRIGGER imago_audit_append_only"
        cursor.execute(drop + (" ON imago_app_auditentry" if connection.vendor != "sqlite" else ""))
        cursor.execute("UPDATE imago_app_auditentry SET what = 'x' WHERE seq = 2")
    with pytest.raises(CommandError, match="broken at entry 2: its content was changed"):
        call_command("audit_verify")


def test_deleting_an_account_leaves_the_chain_intact(client, couple, partner_a, therapist):
    make_link(couple, therapist)
    client.force_login(therapist)
    client.get(reverse("therapist_couple", args=[couple.pk]))
    client.force_login(partner_a)
    client.post(reverse("account_delete"), {"password": PASSWORD})
    assert audit.verify().intact
    assert AuditEntry.objects.filter(action="record_read", couple_id=couple.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_appends_from_many_threads_make_one_unbroken_chain():
    therapist = make_therapist()

    def append() -> None:
        for _ in range(5):
            audit.record(audit.Action.RECORD_READ, actor=therapist, couple=make_couple())
        connection.close()

    threads = [threading.Thread(target=append) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    verdict = audit.verify()
    assert verdict.intact and verdict.entries == 30
