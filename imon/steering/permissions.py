"""Who may do what. Every steering view calls one of these helpers; the permission matrix test
(tests/test_steering_permissions.py) checks every URL pattern against every role.

Roles:
- KI administrator: permission `steering.manage_steering` (superusers have it): everything.
- Reviewer (the body approving reporting cycles, `approving_body` of the concept): `steering.approve_cycle`: reads everything, approves cycles.
- Field-of-action editor (`FieldEditor`): reads everything, edits the measures of own fields.
- Measure owner (`MeasureOwner`, may be external): sees own tasks and measures, submits updates.
- Everyone else (public): nothing here; the public sees the portal only.
"""

from django.core.exceptions import PermissionDenied

from .models import FieldEditor, MeasureOwner


def is_ki(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("steering.manage_steering")


def is_reviewer(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("steering.approve_cycle")


def edited_field_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    cache = getattr(user, "_edited_fields", None)
    if cache is None:
        cache = user._edited_fields = set(
            FieldEditor.objects.filter(user=user).values_list("field_of_action_id", flat=True)
        )
    return cache


def owned_measure_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    cache = getattr(user, "_owned_measures", None)
    if cache is None:
        cache = user._owned_measures = set(
            MeasureOwner.objects.filter(user=user).values_list("measure_id", flat=True)
        )
    return cache


def can_read_all(user) -> bool:
    """KI, reviewers, field-of-action editors and holders of `steering.view_steering`."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        is_ki(user)
        or is_reviewer(user)
        or user.has_perm("steering.view_steering")
        or bool(edited_field_ids(user))
    )


def is_member(user) -> bool:
    """Anyone with a role in steering (owners included)."""
    return can_read_all(user) or bool(owned_measure_ids(user))


def can_view_measure(user, measure) -> bool:
    return can_read_all(user) or measure.pk in owned_measure_ids(user)


def can_edit_measure(user, measure) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        is_ki(user)
        or measure.field_of_action_id in edited_field_ids(user)
        or measure.pk in owned_measure_ids(user)
    )


def can_review_measure(user, measure) -> bool:
    """The KI and the field's editors: what they save counts as reviewed; they may also delete."""
    return is_ki(user) or (user.is_active and measure.field_of_action_id in edited_field_ids(user))


can_delete_measure = can_review_measure


def can_submit(user, update) -> bool:
    """The owners of the measure, its field-of-action editors and the KI fill in a status update."""
    return update.measure is not None and can_edit_measure(user, update.measure)


def require(allowed: bool):
    if not allowed:
        raise PermissionDenied
