"""The permission matrix: every URL pattern of the installation, every role, direct URLs and POSTs
to other people's objects. A URL without an entry here fails `test_every_url_pattern_has_an_entry`.

Roles: anonymous, otto (account, no role), olga (owns C1, staff), emil (owns D1, external, no
staff account), erik (edits field of action C), rita (Controlling-Gruppe: reviewer), anna (KI)."""

import io

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from imon.core import models as m
from imon.reports import snapshots
from imon.steering import services
from tests import steering
from tests.steering import open_cycle

people = steering.people  # the personas fixture

ROLES = ["anonymous", "outsider", "owner", "external", "editor", "reviewer", "ki"]
EVERYONE = set(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
READERS = {"editor", "reviewer", "ki"}
MEMBERS = READERS | {"owner", "external"}
CYCLE = "2026-12-31"

# url name -> list of (method, path, roles allowed, statuses that count as allowed)
MATRIX = {
    # An account without a role sees only a notice (403); owners are sent to their tasks (302).
    "home": [("get", "/", MEMBERS, {200, 302})],
    "healthz": [("get", "/healthz", EVERYONE, {200})],
    "login": [("get", "/anmelden/", EVERYONE, {200})],
    # Second factor and password reset (imon.ops): the code page sends users without an app on (302).
    "otp-verify": [("get", "/anmelden/zweiter-faktor/", LOGGED_IN, {200, 302})],
    "otp-setup": [("get", "/konto/zweiter-faktor/", LOGGED_IN, {200})],
    "admin_password_reset": [("get", "/admin/password_reset/", EVERYONE, {200})],
    "password_reset_done": [("get", "/admin/password_reset/done/", EVERYONE, {200})],
    "password_reset_confirm": [("get", "/konto/passwort/MQ/falsch-falsch/", EVERYONE, {200})],
    "password_reset_complete": [("get", "/konto/passwort/fertig/", EVERYONE, {200})],
    "data-import": [("get", "/daten/importe/", {"ki"}, {200})],
    "data-fetches": [("get", "/daten/abrufe/", {"ki"}, {200})],
    "data-import-confirm": [("post", "/daten/importe/unbekannt/bestaetigen/", {"ki"}, {302, 404})],
    "data-import-rollback": [("post", "/daten/importe/999/zuruecknehmen/", {"ki"}, {404})],
    "data-import-template": [("get", "/daten/vorlage/bevoelkerung.csv", {"ki"}, {200})],
    "data-confidentiality": [("get", "/daten/geheimhaltung/", {"ki"}, {200})],
    "reports": [("get", "/berichte/", {"reviewer", "ki"}, {200})],
    "report-download": [("get", "/berichte/1.html", {"reviewer", "ki"}, {200})],
    # Publishing: the suppression report first, then the button (the Controlling-Gruppe and the KI).
    "report-publish": [("get", "/berichte/1/veroeffentlichen/", {"reviewer", "ki"}, {200})],
    # Steering
    "steering-dashboard": [("get", "/steuerung/", MEMBERS, {200, 302})],  # owners are sent to their tasks
    "steering-tasks": [("get", "/steuerung/aufgaben/", MEMBERS, {200})],
    # Logging out is for everyone and ends on the login page (see LANDS_ON_LOGIN).
    "steering-logout": [("post", "/steuerung/abmelden/", EVERYONE, {302})],
    "steering-field": [("get", "/steuerung/handlungsfelder/ik-leverkusen-2017/C/", READERS, {200})],
    "steering-goal": [("get", "/steuerung/ziele/C-Z1/", READERS, {200})],
    "steering-measure": [
        ("get", "/steuerung/massnahmen/C1/", READERS | {"owner"}, {200}),
        ("get", "/steuerung/massnahmen/D1/", READERS | {"external"}, {200}),
    ],
    "steering-measure-edit": [
        ("get", "/steuerung/massnahmen/C1/bearbeiten/", {"ki", "editor", "owner"}, {200}),
        ("get", "/steuerung/massnahmen/D1/bearbeiten/", {"ki", "external"}, {200}),
        ("post", "/steuerung/massnahmen/D1/bearbeiten/", {"ki", "external"}, {200}),
    ],
    "steering-measure-delete": [
        ("post", "/steuerung/massnahmen/C1/loeschen/", {"ki", "editor"}, {302}),
        ("post", "/steuerung/massnahmen/D1/loeschen/", {"ki"}, {302}),
    ],
    "steering-deleted": [("get", "/steuerung/papierkorb/", {"ki"}, {200})],
    "steering-measure-restore": [
        ("post", "/steuerung/papierkorb/{deleted}/wiederherstellen/", {"ki"}, {302})
    ],
    "steering-body": [("get", "/steuerung/gremien/controlling-gruppe/", READERS, {200})],
    "steering-next-steps": [("get", "/steuerung/naechste-schritte/?zeige=alle", READERS, {200})],
    "steering-next-steps-export": [
        ("get", "/steuerung/naechste-schritte.csv", READERS, {200}),
        ("get", "/steuerung/naechste-schritte.xlsx", READERS, {200}),
    ],
    "steering-cycles": [
        ("get", "/steuerung/berichtsrunden/", READERS, {200}),
        ("post", "/steuerung/berichtsrunden/", {"ki"}, {200, 302}),
    ],
    "steering-cycle": [("get", f"/steuerung/berichtsrunden/{CYCLE}/", READERS, {200})],
    # People and roles: the office administration only (owners, reviewers and editors are refused).
    "steering-people": [
        ("get", "/steuerung/personen/", {"ki"}, {200}),
        ("post", "/steuerung/personen/", {"ki"}, {200}),
    ],
    "steering-person": [
        ("get", "/steuerung/personen/{person}/", {"ki"}, {200}),
        ("post", "/steuerung/personen/{person}/", {"ki"}, {302}),
    ],
    "steering-person-active": [("post", "/steuerung/personen/{person}/aktiv/", {"ki"}, {302})],
    "steering-person-invite": [("post", "/steuerung/personen/{person}/einladen/", {"ki"}, {302})],
    "steering-measure-owners": [
        ("get", "/steuerung/massnahmen/C1/zustaendige/", {"ki"}, {200}),
        ("post", "/steuerung/massnahmen/C1/zustaendige/", {"ki"}, {302}),
    ],
    "steering-cycle-deadline": [("post", f"/steuerung/berichtsrunden/{CYCLE}/frist/", {"ki"}, {302})],
    "steering-cycle-approve": [  # without the confirmation, the page that shows what will be frozen
        ("get", f"/steuerung/berichtsrunden/{CYCLE}/freigeben/", {"reviewer", "ki"}, {200}),
        ("post", f"/steuerung/berichtsrunden/{CYCLE}/freigeben/", {"reviewer", "ki"}, {200}),
    ],
    "steering-cycle-export": [("get", f"/steuerung/berichtsrunden/{CYCLE}/tabelle.xlsx", {"ki"}, {200})],
    "steering-cycle-import": [
        ("get", f"/steuerung/berichtsrunden/{CYCLE}/tabelle/", {"ki"}, {200}),
        ("post", f"/steuerung/berichtsrunden/{CYCLE}/tabelle/", {"ki"}, {200}),
    ],
    "steering-update": [
        ("get", f"/steuerung/berichtsrunden/{CYCLE}/C1/", READERS | {"owner"}, {200}),
        ("post", f"/steuerung/berichtsrunden/{CYCLE}/C1/", {"owner", "editor", "ki"}, {200, 302}),
        ("get", f"/steuerung/berichtsrunden/{CYCLE}/D1/", READERS | {"external"}, {200}),
        ("post", f"/steuerung/berichtsrunden/{CYCLE}/D1/", {"external", "ki"}, {200, 302}),
    ],
    "steering-update-review": [
        ("post", f"/steuerung/berichtsrunden/{CYCLE}/C1/pruefen/", {"ki"}, {302}),
        ("post", f"/steuerung/berichtsrunden/{CYCLE}/D1/pruefen/", {"ki"}, {302}),
    ],
}
# The public portal and its API: open to everyone, logged in or not. Paths come from the URL names
# with sample arguments, so that the portal may rename its paths; 404 (unknown sample object) is no refusal.
PORTAL = {
    "portal-root": {},
    "portal-all-data": {},
    "portal-indicator-download": {"key": "bevoelkerung", "fmt": "csv"},
    "portal-start": {"lang": "de"},
    "portal-field": {"lang": "de", "code": "C"},
    "portal-measure": {"lang": "de", "key": "C1"},
    "portal-indicators": {"lang": "de"},
    "portal-indicator": {"lang": "de", "key": "bevoelkerung"},
    "portal-indicator-area": {"lang": "de", "key": "bevoelkerung", "area": "05316000"},
    "portal-indicator-date": {"lang": "de", "key": "bevoelkerung", "date": "2016-12-31"},
    "portal-indicator-breakdown": {"lang": "de", "key": "gefluechtete-azr-alter", "dim": "altersgruppe"},
    "portal-contact-points": {"lang": "de"},
    "portal-contact-points-topic": {"lang": "de", "code": "A"},
    "portal-contact-point": {"lang": "de", "key": "ki-leverkusen"},
    "portal-easy-language": {"lang": "de"},
    "portal-accessibility": {"lang": "de"},
    "portal-imprint": {"lang": "de"},
    "portal-privacy": {"lang": "de"},
    "api-index": {},
    "api-openapi": {},
    "api-catalogue": {},
    "api-fields": {},
    "api-measures": {},
    "api-indicators": {},
    "api-indicator-observations": {"key": "bevoelkerung"},
    "api-observations": {},
    "api-contact-points": {},
}
MATRIX.update(
    {name: [("get", ("reverse", kwargs), EVERYONE, {200, 302, 404})] for name, kwargs in PORTAL.items()}
)
# Pages whose answer is the login page for everyone (not a refusal); each request gets a fresh
# client, since it ends the session of the one it is sent with.
LANDS_ON_LOGIN = {"steering-logout"}
# The Django admin has its own permission system: staff only; checked on its index for every role.
ADMIN_NAMESPACE = "admin"


def url_names(patterns=None, namespace=None):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from url_names(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern):
            yield namespace, p.name


def test_every_url_pattern_has_an_entry():
    names = {name for ns, name in url_names() if ns != ADMIN_NAMESPACE}
    assert None not in names, "every URL pattern needs a name"
    missing = names - set(MATRIX)
    assert missing == set(), f"URL patterns without an entry in the permission matrix: {sorted(missing)}"
    stale = set(MATRIX) - names - set(PORTAL)
    assert stale == set(), f"entries for URL patterns that no longer exist: {sorted(stale)}"


@pytest.fixture
def world(people):
    snapshots.create(
        "1. Umsetzungsbericht", m.Observation.objects.order_by("-reference_date").first().reference_date
    )
    deleted = services.delete_measure(m.Measure.objects.get(key="H4"), people.ki)
    open_cycle(people.ki)
    return {
        "clients": clients_of(people),
        "deleted": deleted.pk,
        "person": people.outsider.pk,
        "people": people,
    }


def clients_of(people) -> dict:
    clients = {"anonymous": Client()}
    for role in ROLES[1:]:
        clients[role] = Client()
        clients[role].force_login(getattr(people, role))
    return clients


def to_login(response) -> bool:
    location = response.get("Location", "")
    return response.status_code == 302 and ("/anmelden/" in location or "/admin/login/" in location)


def test_permission_matrix(world):
    """All entries in one test (the world is built once); each request runs in a rolled-back
    transaction, so that a delete by one role does not change what the next role sees."""
    installed = {n for _ns, n in url_names()}
    failures, checked = [], 0
    for name in sorted(MATRIX):
        if name in PORTAL and name not in installed:
            continue
        for method, path, allowed, ok_statuses in MATRIX[name]:
            if isinstance(path, tuple):
                path = reverse(name, kwargs=path[1])
            else:
                path = path.format(deleted=world["deleted"], person=world["person"])
            clients = clients_of(world["people"]) if name in LANDS_ON_LOGIN else world["clients"]
            for role in ROLES:
                with transaction.atomic():
                    response = getattr(clients[role], method)(path)
                    transaction.set_rollback(True)
                checked += 1
                where = f"{name}: {role} {method.upper()} {path} -> {response.status_code} {response.get('Location', '')}"
                if name in LANDS_ON_LOGIN:
                    if not to_login(response):
                        failures.append("should land on the login page: " + where)
                elif role in allowed:
                    if response.status_code not in ok_statuses or to_login(response):
                        failures.append("should be allowed: " + where)
                elif not (response.status_code in (403, 404) or to_login(response)):
                    failures.append("should be refused: " + where)
                elif (
                    role == "anonymous"
                    and response.status_code == 302
                    and "next=" not in response["Location"]
                ):
                    failures.append("login without way back: " + where)
    assert failures == []
    assert checked >= 7 * 40


@pytest.mark.parametrize(
    "role, allowed",
    [("anonymous", False), ("outsider", False), ("external", False), ("owner", True), ("ki", True)],
)
def test_admin_is_for_staff_only(world, role, allowed):
    response = world["clients"][role].get("/admin/")
    assert (response.status_code == 200) is allowed


def test_owners_cannot_touch_other_peoples_status_updates(world):
    from imon.steering.models import StatusUpdate

    before = StatusUpdate.objects.get(measure_key="D1")
    response = world["clients"]["owner"].post(
        f"/steuerung/berichtsrunden/{CYCLE}/D1/", {"status": "completed", "version": before.version}
    )
    assert response.status_code == 403
    after = StatusUpdate.objects.get(measure_key="D1")
    assert (after.state, after.status, after.version) == (before.state, before.status, before.version)


def test_role_groups_of_one_citys_names_are_renamed_with_their_members(db, django_user_model):
    """Groups made under the earlier names (e.g. in a restored backup) keep their members."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    member = django_user_model.objects.create_user("kim", "kim@example.org", "sicheres-passwort-9")
    member.groups.add(Group.objects.create(name="Controlling-Gruppe"))
    call_command("role_groups", stdout=io.StringIO())
    assert not Group.objects.filter(name__in=["KI-Administration", "Controlling-Gruppe"]).exists()
    assert list(member.groups.values_list("name", flat=True)) == ["Freigabe der Berichtsrunden"]
    from imon.steering import permissions

    assert permissions.is_reviewer(member)


def test_role_groups_give_the_roles(people, client, django_user_model):
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("role_groups")
    call_command("role_groups")  # twice: nothing changes
    assert (
        Group.objects.filter(name__in=["Administration der Steuerung", "Freigabe der Berichtsrunden"]).count()
        == 2
    )
    ki_user = django_user_model.objects.create_user("kira", "kira@example.org", "sicheres-passwort-9")
    ki_user.groups.add(Group.objects.get(name="Administration der Steuerung"))
    reviewer = django_user_model.objects.create_user("carl", "carl@example.org", "sicheres-passwort-9")
    reviewer.groups.add(Group.objects.get(name="Freigabe der Berichtsrunden"))
    from imon.steering import permissions

    assert permissions.is_ki(ki_user) and not permissions.is_reviewer(ki_user)
    assert (
        permissions.is_reviewer(reviewer)
        and permissions.can_read_all(reviewer)
        and not permissions.is_ki(reviewer)
    )
    client.force_login(reviewer)
    assert client.get("/steuerung/").status_code == 200 and client.get("/berichte/").status_code == 200
    assert client.get("/steuerung/papierkorb/").status_code == 403


def test_an_account_without_a_role_sees_only_a_notice(people, client):
    """Otto has an account but no role: the start page tells him so and shows nothing of the
    concept; an owner without other rights is sent to his tasks; the KI sees the overview."""
    client.force_login(people.outsider)
    response = client.get("/")
    text = response.content.decode()
    assert response.status_code == 403
    assert "keine Rolle" in text
    assert "Handlungsfeld" not in text and "Leverkusen" not in text and "Maßnahmen" not in text
    client.force_login(people.external)
    assert client.get("/")["Location"] == "/steuerung/aufgaben/"
    client.force_login(people.ki)
    response = client.get("/")
    assert response.status_code == 200 and "Leverkusen" in response.content.decode()


def test_a_logged_in_owner_is_refused_not_sent_to_a_login_page(people, client):
    """Owners see the refusal notice on /berichte/, never the Django admin's login page; anonymous
    visitors are sent to the staff login page."""
    client.force_login(people.owner)
    response = client.get("/berichte/")
    assert response.status_code == 403 and "admin/login" not in response.get("Location", "")
    client.logout()
    response = client.get("/berichte/")
    assert response.status_code == 302 and response["Location"].startswith("/anmelden/")
