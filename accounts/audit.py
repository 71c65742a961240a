"""The audit trail: one function writes it, and the receivers below call it.

Log-ins, failed log-ins, lock-outs and log-outs come from Django's and django-axes'
signals; role changes from changes to a user's role groups (whoever made them: a
service, the admin, a shell); admin edits from the admin's own LogEntry rows. The
request in progress (who, from where) is remembered by ``AuditContextMiddleware``.
"""

from contextvars import ContextVar

from axes.signals import user_locked_out
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from accounts.backends import login_identifier
from accounts.models import AuditEvent
from accounts.roles import ROLE_GROUP_NAMES
from core.http import client_ip

_current_request = ContextVar("audit_request", default=None)


class AuditContextMiddleware:
    """Remembers the request so that audit events written deep in a service know the actor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def audit_record(
    kind: AuditEvent.Kind,
    *,
    subject=None,
    actor=None,
    identifier: str = "",
    message: str = "",
    request=None,
) -> AuditEvent:
    """Write one audit event. Actor, address and browser default to the current request's."""
    request = request or _current_request.get()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor,
        subject=subject,
        identifier=identifier[:150],
        ip_address=client_ip(request) if request is not None else None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else "",
        message=message,
    )


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    audit_record(AuditEvent.Kind.LOGIN, subject=user, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(AuditEvent.Kind.LOGOUT, subject=user, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    identifier = login_identifier(credentials.get("username", ""))
    audit_record(AuditEvent.Kind.LOGIN_FAILED, identifier=identifier, request=request)


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(AuditEvent.Kind.LOCKED_OUT, identifier=username or "", request=request)


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="audit_roles")
def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    groups = Group.objects.filter(pk__in=pk_set, name__in=ROLE_GROUP_NAMES)
    if reverse:  # group.user_set.add(users): the instance is the group
        users = get_user_model().objects.filter(pk__in=pk_set)
        names = [instance.name] if instance.name in ROLE_GROUP_NAMES else []
    else:
        users = [instance]
        names = sorted(groups.values_list("name", flat=True))
    if not names:
        return
    sign = "+" if action == "post_add" else "-"
    for user in users:
        audit_record(
            AuditEvent.Kind.ROLE_CHANGED,
            subject=user,
            message=" ".join(f"{sign}{name}" for name in names),
        )


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_edits")
def _admin_edit(sender, instance, created, **kwargs):
    if not created:
        return
    subject = None
    if instance.content_type and instance.content_type.model_class() is get_user_model():
        subject = get_user_model().objects.filter(pk=instance.object_id).first()
    action = {1: "added", 2: "changed", 3: "deleted"}.get(instance.action_flag, "?")
    model = instance.content_type.model if instance.content_type else "?"
    audit_record(
        AuditEvent.Kind.ADMIN_EDIT,
        actor=instance.user,
        subject=subject,
        message=f"{action} {model} #{instance.object_id} «{instance.object_repr}» "
        f"{instance.get_change_message()}".strip(),
    )
