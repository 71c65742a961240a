from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and access")

    def ready(self):
        from accounts import audit  # noqa: F401  (connects the audit receivers)

        post_migrate.connect(self.create_role_groups, sender=self)
        for model in ("government.Official", "entrepreneurs.Entrepreneur"):
            post_save.connect(
                self.sync_groups_of_person, sender=model, dispatch_uid=f"role_groups_{model}"
            )

    def create_role_groups(self, **kwargs):
        from accounts.roles import ensure_role_groups

        ensure_role_groups()

    @staticmethod
    def sync_groups_of_person(sender, instance, raw=False, **kwargs):
        """An Official's role or an Entrepreneur's verification decides the user's groups."""
        from accounts.roles import sync_role_groups

        if raw or instance.user_id is None:
            return
        sync_role_groups(instance.user)
