"""A list of officials to import (administrators only): its columns, and how a row names a
department and a role. The rows are checked, and written, by ``government.services``
(``officials_import_check``, ``officials_import``)."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.spreadsheets import Column, RowCheck, header_key
from government.models import Department, Official

NOT_AN_IMPORTER = _("Only an administrator can import officials.")

COLUMNS = (
    Column("name", _("Name"), ("姓名", "名字", "name", "full name"), required=True,
           example="李四"),
    Column("email", _("Email"), ("邮箱", "电子邮箱", "电子邮件", "email", "e-mail"),
           required=True, example="lisi@example.gov.cn"),
    Column("mobile", _("Mobile"), ("手机", "手机号", "手机号码", "mobile", "mobile number",
                                   "phone"),
           example="13900000000"),
    Column("department", _("Department"), ("部门", "单位", "所在部门", "部门代码", "department",
                                           "department code"),
           required=True, example="huzhou-jxj"),
    Column("role", _("Role"), ("角色", "role"), required=True, example="经办人"),
    Column("title", _("Position"), ("职务", "职位", "position", "title"), example="科员"),
)


class OfficialRowCheck(RowCheck):
    """A row of the list; ``match`` is the official who exists already."""

    def __init__(self, number: int, values: dict):
        super().__init__(number=number, values=values, columns=COLUMNS)


def department_lookup() -> tuple[dict, dict]:
    """Every department by its code, and the departments of each name (Chinese or English;
    a name may be used in several regions)."""
    by_code, by_name = {}, {}
    for department in Department.objects.select_related("region"):
        by_code[header_key(department.code)] = department
        for name in {department.name, department.name_en} - {""}:
            by_name.setdefault(header_key(name), []).append(department)
    return by_code, by_name


#: The short names lists use for the roles.
ROLE_SHORT_NAMES = {"经办人": Official.Role.HANDLER, "负责人": Official.Role.DEPARTMENT_LEAD,
                    "协调员": Official.Role.COORDINATOR, "lead": Official.Role.DEPARTMENT_LEAD}


def role_lookup() -> dict[str, str]:
    """Each role by its value and its names in Chinese and in English."""
    found = {header_key(name): value for name, value in ROLE_SHORT_NAMES.items()}
    for value, label in Official.Role.choices:
        found[header_key(value)] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                found[header_key(str(label))] = value
    return found
