"""A county's list of entrepreneurs and their enterprises, checked row by row (no writes).

``COLUMNS`` are the list's columns, by the headers people give them in Chinese or English.
``check_rows`` looks at every row as the importing coordinator would be allowed to add it
and marks it NEW (to be added), MATCH (the mobile is in the directory already: which
record is said, and nothing is changed) or WRONG (with the reason beside each cell: the
same messages as sign-up). The second row with a mobile already in the file is wrong too.
``entrepreneurs.services.entrepreneurs_import`` checks again inside its transaction and
writes the NEW rows.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.spreadsheets import Column, RowCheck, header_key
from core.validators import (
    clean_text_problems,
    normalize_credit_code,
    normalize_mobile,
    validate_credit_code,
    validate_mobile,
)
from entrepreneurs.models import Enterprise, Entrepreneur
from government.models import Official, Region
from government.selectors import region_scope_for_user

NOT_AN_IMPORTER = _("Only a coordinator or an administrator can import entrepreneurs.")

COLUMNS = (
    Column("name", _("Name"), ("姓名", "名字", "企业家", "联系人", "name", "full name"),
           required=True, example="张三"),
    Column("mobile", _("Mobile"), ("手机", "手机号", "手机号码", "移动电话", "联系电话", "mobile",
                                   "mobile number", "phone"),
           required=True, example="13800000000"),
    Column("enterprise", _("Enterprise name"), ("企业名称", "企业", "公司", "公司名称", "单位",
                                               "enterprise", "enterprise name", "company"),
           required=True, example="湖州示例科技有限公司"),
    Column("credit_code", _("Unified social credit code"),
           ("统一社会信用代码", "社会信用代码", "信用代码", "credit code",
            "unified social credit code", "uscc"),
           required=True, example="91330502MA2B00001R"),
    Column("region", _("District, county or area"), ("区县", "所在区县", "区域", "地区", "region",
                                                     "county", "district"),
           example="吴兴区"),
    Column("industry", _("Industry"), ("行业", "所属行业", "industry"), example="制造业"),
    Column("scale", _("Scale"), ("规模", "企业规模", "scale", "size"), example="小型"),
    Column("position", _("Position"), ("职务", "职位", "position", "title"), example="董事长"),
    Column("email", _("Email"), ("邮箱", "电子邮箱", "电子邮件", "email", "e-mail"),
           example=""),
    Column("new_generation", _("New-generation entrepreneur"),
           ("新生代", "新生代企业家", "new generation", "new-generation entrepreneur"),
           example="否"),
    Column("consent", _("Agrees to be contacted"),
           ("同意联系", "是否同意联系", "同意接收通知", "consent", "consent to contact",
            "agrees to be contacted"),
           example="是"),
)

YES = {"是", "y", "yes", "true", "1", "✓", "√", "对", "同意"}
NO = {"否", "n", "no", "false", "0", "×", "不", "不同意", ""}
MAX_LENGTH = {
    "name": Entrepreneur._meta.get_field("name").max_length,
    "position": Entrepreneur._meta.get_field("position").max_length,
    "email": Entrepreneur._meta.get_field("email").max_length,
    "enterprise": Enterprise._meta.get_field("name").max_length,
}


@dataclass
class PersonRowCheck(RowCheck):
    """A row of the list; ``match`` is the person already in the directory."""

    columns: tuple = COLUMNS
    #: The existing enterprise the person joins, or None for a new one.
    enterprise: Enterprise | None = None


def _labels(choices) -> dict[str, str]:
    """Each choice by its value and its label in Chinese and in English (as header keys)."""
    found = {}
    for value, label in choices:
        found[header_key(value)] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                found[header_key(str(label))] = value
    return found


def _region_lookup() -> dict[str, Region]:
    """Every region by its Chinese and English names, its code and its division code."""
    found = {}
    for region in Region.objects.all():
        for key in (region.name, region.name_en, region.code, region.division_code):
            if key:
                found.setdefault(header_key(key), region)
    return found


def _yes_no(check: RowCheck, name: str) -> bool:
    text = header_key(check.values.get(name, ""))
    if text in YES:
        return True
    if text not in NO:
        check.add_error(name, _("Write 是 or 否 (yes or no)."))
    return False


def check_rows(*, actor, records: list[tuple[int, dict]]) -> list[PersonRowCheck]:
    """Each row of the list checked for ``actor`` (a coordinator: their region; an
    administrator: every region). A fixed number of queries, whatever the rows."""
    scope = None if actor.is_superuser else region_scope_for_user(user=actor)
    checks = [PersonRowCheck(number=number, values={k: str(v) for k, v in values.items()})
              for number, values in records]
    for check in checks:
        _check_cells(check)
    mobiles = {check.cleaned["mobile"] for check in checks if "mobile" in check.cleaned}
    codes = {check.cleaned["credit_code"] for check in checks if "credit_code" in check.cleaned}
    people = {
        person.mobile: person
        for person in Entrepreneur.objects.select_related("enterprise__region")
        .filter(mobile__in=mobiles)
    }
    taken = set(get_user_model().objects.filter(username__in=mobiles)
                .values_list("username", flat=True))
    taken |= set(Official.objects.filter(mobile__in=mobiles).values_list("mobile", flat=True))
    enterprises = {
        enterprise.credit_code: enterprise
        for enterprise in Enterprise.objects.select_related("region").filter(credit_code__in=codes)
    }
    regions = _region_lookup()
    industries = _labels(Enterprise.Industry.choices)
    scales = _labels(Enterprise.Scale.choices)
    first_row = {}
    for check in checks:
        mobile = check.cleaned.get("mobile")
        if mobile:
            if mobile in first_row:
                check.add_error("mobile", _("The same mobile number as row %(row)d.")
                                % {"row": first_row[mobile]})
            else:
                first_row[mobile] = check.number
            if mobile in people:
                _matched(check, people[mobile], scope)
            elif mobile in taken:
                check.add_error("mobile", _("This mobile number already belongs to another "
                                            "account."))
        code = check.cleaned.get("credit_code")
        if check.match is not None:
            continue  # nothing of the row is written
        if code and code in enterprises:
            enterprise = enterprises[code]
            if scope is not None and enterprise.region_id != scope.pk:
                check.add_error("credit_code", _(
                    "This enterprise is registered in %(region)s, outside the region you look "
                    "after.") % {"region": enterprise.region})
            elif enterprise.provisional:
                check.add_error("credit_code", _(
                    "%(name)s was added at the door and its credit code is not confirmed "
                    "yet: confirm or merge it under “Enterprises to complete” first.")
                    % {"name": enterprise.name})
            else:
                check.enterprise = enterprise
                check.notes.append(gettext("Enterprise already in the directory: %(name)s.")
                                   % {"name": enterprise.name})
        elif code:
            _new_enterprise(check, scope, regions, industries, scales)
    return checks


def _matched(check: PersonRowCheck, person: Entrepreneur, scope: Region | None) -> None:
    check.match = person
    if scope is None or person.enterprise.region_id == scope.pk:
        check.notes.append(gettext("Already in the directory: %(person)s. Nothing is changed.")
                           % {"person": person})
    else:  # a person of another county: say no more than that
        check.notes.append(gettext("Already in the directory, in another region. Nothing is "
                                   "changed."))


def _check_cells(check: PersonRowCheck) -> None:
    """The cells on their own: clean text, lengths, the mobile and the code's form."""
    values = check.values
    for name, value in values.items():
        for problem in clean_text_problems(value):
            check.add_error(name, " ".join(problem.messages))
        limit = MAX_LENGTH.get(name)
        if limit and len(value) > limit:
            check.add_error(name, _("Keep this under %(limit)d characters.") % {"limit": limit})
    if check.errors:
        return
    if not values.get("name"):
        check.add_error("name", _("Give the person's name."))
    check.cleaned["name"] = values.get("name", "")
    mobile = normalize_mobile(values.get("mobile", ""))
    try:
        validate_mobile(mobile)
    except ValidationError as error:
        check.add_error("mobile", " ".join(error.messages))
    else:
        check.cleaned["mobile"] = mobile
    code = normalize_credit_code(values.get("credit_code", ""))
    if not code:
        check.add_error("credit_code", _("Enter the unified social credit code."))
    else:
        try:
            validate_credit_code(code)
        except ValidationError as error:
            check.add_error("credit_code", " ".join(error.messages))
        else:
            check.cleaned["credit_code"] = code
    email = values.get("email", "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            check.add_error("email", " ".join(error.messages))
    check.cleaned["email"] = email
    check.cleaned["position"] = values.get("position", "")
    check.cleaned["is_new_generation"] = _yes_no(check, "new_generation")
    check.cleaned["consent_to_contact"] = _yes_no(check, "consent")


def _new_enterprise(check: PersonRowCheck, scope, regions, industries, scales) -> None:
    """A code not in the directory: the row registers the enterprise, so it needs its name,
    region (one the coordinator looks after), industry and scale."""
    needed = _("The credit code is not in the directory yet, so this is needed to add the "
               "enterprise.")
    values = check.values
    name = values.get("enterprise", "")
    if not name:
        check.add_error("enterprise", needed)
    check.cleaned["enterprise_name"] = name
    region_text = values.get("region", "")
    region = regions.get(header_key(region_text)) if region_text else None
    if not region_text:
        check.add_error("region", needed)
    elif region is None:
        check.add_error("region", _("No district, county or area of this name."))
    elif region.level != Region.Level.COUNTY:
        check.add_error("region", _("Choose the district, county or area where the enterprise "
                                    "is registered."))
    elif scope is not None and region.pk != scope.pk:
        check.add_error("region", _("This is not the region you look after (%(region)s).")
                        % {"region": scope})
    else:
        check.cleaned["region"] = region
    for name, lookup, choices in (("industry", industries, Enterprise.Industry),
                                  ("scale", scales, Enterprise.Scale)):
        text = values.get(name, "")
        if not text:
            check.add_error(name, needed)
        elif header_key(text) not in lookup:
            check.add_error(name, _("Choose one of: %(choices)s.")
                            % {"choices": "、".join(str(label) for label in choices.labels)})
        else:
            check.cleaned[name] = lookup[header_key(text)]
    check.notes.append(gettext("New enterprise."))
