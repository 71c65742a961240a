"""The rating taken through the signed link of the SMS (``issues.views.rating_link``): the
same three values, reason and comment as the rating page (``issues.forms.rating``), for a
person who is not logged in, so with no issue version (the workflow checks the round under
the issue's lock)."""

from django.utils.translation import gettext_lazy as _

from issues.forms.rating import RatingForm


class RatingLinkForm(RatingForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _(
            "Required if you are dissatisfied; leave it empty otherwise. The department "
            "then handles your issue again, under supervision.")
