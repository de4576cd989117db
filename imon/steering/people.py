"""People and their roles, run by the office administration without the Django admin: invite by
e-mail (a link to set the password, made by Django's password-reset tokens), the role groups, owned
measures and edited fields of action, deactivation. Every change is recorded in the history
(object type "user", key the user name)."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from imon.core import models as m

from . import roles
from .models import Change, FieldEditor, MeasureOwner
from .services import _notify, record

ROLE_PERMISSIONS = [roles.OFFICE_PERMISSION, roles.REVIEWER_PERMISSION]


class PeopleError(Exception):
    """A change to a person that is refused; the message is for the user."""


def history_key(user) -> str:
    return user.get_username()[:64]


def password_link(user, base_url: str = "") -> str:
    """The link to set the password, valid once and for settings.PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url + reverse("password_reset_confirm", args=[uid, token])


def link_days() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


def invite(email: str, first_name: str, last_name: str, by, base_url: str = ""):
    """Create an account without a usable password and e-mail the link to set one."""
    email = email.strip().lower()
    users = get_user_model().objects
    if users.filter(email__iexact=email).exists() or users.filter(username__iexact=email).exists():
        raise PeopleError(
            _("There is already an account with the e-mail address '%(email)s'.") % {"email": email}
        )
    with transaction.atomic():
        user = users.create_user(
            email, email, None, first_name=first_name.strip(), last_name=last_name.strip()
        )
        record(by, "user", history_key(user), [("email", "", email)], Change.Action.CREATED)
    send_invitation(user, by, base_url)
    return user


def send_invitation(user, by, base_url: str = "") -> int:
    inviter = (by.get_full_name() or by.get_username()) if by else "Integrationsmonitor"
    return _notify(
        [user],
        _("Invitation to Integrationsmonitor"),
        _(
            "%(inviter)s has invited you to Integrationsmonitor. Your user name is %(username)s.\n\n"
            "Set your password here (the link is valid once, for %(days)d days):\n%(link)s"
        )
        % {
            "inviter": inviter,
            "username": user.get_username(),
            "days": link_days(),
            "link": password_link(user, base_url),
        },
    )


@dataclass
class Roles:
    """What a person may do: role groups by permission, owned measures, edited fields of action."""

    permissions: set[str]
    measures: set[int]
    fields: set[int]


def roles_of(user) -> Roles:
    names = set(user.groups.values_list("name", flat=True))
    return Roles(
        permissions={p for p in ROLE_PERMISSIONS if roles.group_name(p) in names},
        measures=set(MeasureOwner.objects.filter(user=user).values_list("measure_id", flat=True)),
        fields=set(FieldEditor.objects.filter(user=user).values_list("field_of_action_id", flat=True)),
    )


def _group_text(permissions) -> str:
    return ", ".join(roles.group_name(p) for p in ROLE_PERMISSIONS if p in permissions)


def _keys(model, ids, attribute) -> str:
    return ", ".join(sorted(model.objects.filter(pk__in=ids).values_list(attribute, flat=True)))


def set_roles(user, new: Roles, by) -> list:
    """Give `user` exactly the roles in `new`; returns the recorded changes."""
    roles.install_role_groups()  # they exist after migrate; a restore of an old archive may lack them
    with transaction.atomic():
        old = roles_of(user)
        office = roles.OFFICE_PERMISSION
        if user == by and office in old.permissions and office not in new.permissions:
            raise PeopleError(_("You cannot take the office administration from yourself."))
        for permission in ROLE_PERMISSIONS:
            group = Group.objects.get(name=roles.group_name(permission))
            if permission in new.permissions:
                user.groups.add(group)
            else:
                user.groups.remove(group)
        MeasureOwner.objects.filter(user=user).exclude(measure_id__in=new.measures).delete()
        MeasureOwner.objects.bulk_create(
            [MeasureOwner(user=user, measure_id=pk) for pk in new.measures - old.measures]
        )
        FieldEditor.objects.filter(user=user).exclude(field_of_action_id__in=new.fields).delete()
        FieldEditor.objects.bulk_create(
            [FieldEditor(user=user, field_of_action_id=pk) for pk in new.fields - old.fields]
        )
        changes = [
            (name, before, after)
            for name, before, after in [
                ("roles", _group_text(old.permissions), _group_text(new.permissions)),
                ("measures", _keys(m.Measure, old.measures, "key"), _keys(m.Measure, new.measures, "key")),
                (
                    "fields_of_action",
                    _keys(m.FieldOfAction, old.fields, "code"),
                    _keys(m.FieldOfAction, new.fields, "code"),
                ),
            ]
            if before != after
        ]
        if changes:
            record(by, "user", history_key(user), changes)
    return changes


def set_owners(measure, user_ids: set[int], by) -> list:
    """The owners of one measure (from the cycle page); recorded on each person whose roles change."""
    old = set(MeasureOwner.objects.filter(measure=measure).values_list("user_id", flat=True))
    changed = []
    for user in get_user_model().objects.filter(pk__in=old ^ user_ids):
        current = roles_of(user)
        current.measures = (
            (current.measures | {measure.pk}) if user.pk in user_ids else current.measures - {measure.pk}
        )
        changed += set_roles(user, current, by)
    return changed


def set_active(user, active: bool, by) -> None:
    """Deactivate (the person can no longer log in; open sessions end) or reactivate an account."""
    if user == by and not active:
        raise PeopleError(_("You cannot deactivate your own account."))
    if user.is_active == active:
        return
    old = _("yes") if user.is_active else _("no")
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])  # saved, not updated: the security audit log records it
        record(by, "user", history_key(user), [("is_active", old, _("yes") if active else _("no"))])
