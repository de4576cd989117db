"""Password reset by e-mail: a link valid once, no hint whether an address is known, limited per address."""

import re

from django.core import mail

from imon.ops.models import AuditEvent


def test_the_login_page_offers_the_reset(db, client):
    assert 'href="/admin/password_reset/"' in client.get("/admin/login/").content.decode()


def test_a_reset_link_by_mail_sets_a_new_password_once(ki_admin, client):
    response = client.post("/admin/password_reset/", {"email": "anna@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["anna@example.org"]
    link = re.search(r"http://testserver(/konto/passwort/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    target = form.redirect_chain[-1][0] if form.redirect_chain else link
    done = client.post(
        target,
        {"new_password1": "ein-neues-langes-passwort-7", "new_password2": "ein-neues-langes-passwort-7"},
    )
    assert done.status_code == 302
    ki_admin.refresh_from_db()
    assert ki_admin.check_password("ein-neues-langes-passwort-7")
    assert AuditEvent.objects.filter(kind="password_reset", detail="anna@example.org").exists()
    assert AuditEvent.objects.get(kind="password_changed").user == ki_admin
    again = client.get(link, follow=True)
    assert "ungültig" in again.content.decode() or "nicht gültig" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(db, client):
    response = client.post("/admin/password_reset/", {"email": "niemand@example.org"})
    assert response.status_code == 302 and response["Location"] == "/admin/password_reset/done/"
    assert not mail.outbox


def test_reset_mails_are_limited_per_address(ki_admin, client):
    for _ in range(7):
        client.post("/admin/password_reset/", {"email": "anna@example.org"}, REMOTE_ADDR="10.9.8.7")
    assert len(mail.outbox) == 5
    assert AuditEvent.objects.filter(kind="password_reset", detail__contains="not sent").count() == 2
