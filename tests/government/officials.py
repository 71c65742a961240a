"""What the officials' tests share: the constants, and creating an account through the service."""

from django.contrib.auth import get_user_model

from government import services
from government.models import Official

R = Official.Role

ALL_ROLES = [R.HANDLER, R.DEPARTMENT_LEAD, R.COORDINATOR, R.LEADER]
NEW_PASSWORD = "a Long new passphrase 42"
User = get_user_model()


def create(actor, **overrides):
    data = {"name": "钱新", "email": "Qian.Xin@Example.com", "role": R.HANDLER, "title": "科员",
            "mobile": ""}
    data.update(overrides)
    return services.official_create(actor=actor, **data)
