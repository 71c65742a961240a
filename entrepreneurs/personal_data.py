"""The entrepreneurs' share of a person's personal data (PIPL): its export and its erasure.

``privacy.services`` calls the apps' ``personal_data`` modules in turn; each exports and
erases only its own tables. Here: the person's Entrepreneur row (name, contacts, position,
consents, verification) and their enterprise. Erasure keeps the row itself, the enterprise
and the verification: the programme's figures count them.
"""

from core.privacy import export_time
from entrepreneurs.models import Entrepreneur
from government.selectors import user_label


def export_person(*, person: Entrepreneur) -> dict:
    """The person's record. No query when ``verified_by__official`` was selected with it."""
    return {
        "name": person.name,
        "mobile": person.mobile,
        "email": person.email,
        "position": person.position,
        "is_new_generation": person.is_new_generation,
        "consent_to_contact": person.consent_to_contact,
        "verification": person.verification,
        "verification_label": str(person.get_verification_display()),
        "verified_at": export_time(person.verified_at),
        "verified_by": user_label(person.verified_by),
        "verification_note": person.verification_note,
        "privacy_notice_version": person.privacy_notice_version,
        "privacy_consented_at": export_time(person.privacy_consented_at),
        "anonymised_at": export_time(person.anonymised_at),
        "registered_at": export_time(person.created_at),
    }


def export_enterprise(*, person: Entrepreneur) -> dict:
    """The enterprise the person speaks for. No query when ``enterprise__region`` was
    selected with the person."""
    enterprise = person.enterprise
    return {
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "region": str(enterprise.region),
        "industry": enterprise.industry,
        "industry_label": str(enterprise.get_industry_display()),
        "scale": enterprise.scale,
        "scale_label": str(enterprise.get_scale_display()),
    }


def contact_identifiers(*, person: Entrepreneur) -> list[str]:
    """The person's mobile and email, and their account's email if another: what identifies
    them in messages. Read it before ``erase_person``."""
    identifiers = [value for value in (person.mobile, person.email) if value]
    user = person.user
    if user is not None and user.email and user.email not in identifiers:
        identifiers.append(user.email)
    return identifiers


def erase_person(*, person: Entrepreneur, now) -> None:
    """Blank the name, contacts and position, withdraw the consent to be contacted, and
    mark the row anonymised at ``now``. Saving it syncs the account's role groups."""
    person.name = ""
    person.mobile = ""
    person.email = ""
    person.position = ""
    person.consent_to_contact = False
    person.anonymised_at = now
    person.save(update_fields=[
        "name", "mobile", "email", "position", "consent_to_contact", "anonymised_at",
    ])
