"""Wagtail admin create and edit views that write through a service.

Wagtail's views save the form's instance themselves; ours hand the values the form
cleaned to the app's service (``activity_create``, ``reward_update``, …), which checks
the same rules as every other caller, writes, and keeps Wagtail's revisions and
history. What the service refuses comes back on the form, on its field.
"""

from core.errors import DomainError


def form_values(form) -> dict:
    """The model fields the form lets the editor set, as the form put them on its instance.

    Read from the instance rather than ``cleaned_data``: Django leaves a field the
    browser did not send at the model's default, and a model's ``clean()`` may have
    normalised a value. A disabled field (shown, never written) is left out.
    """
    model_fields = {field.name for field in form.instance._meta.concrete_fields}
    return {
        name: getattr(form.instance, name)
        for name, field in form.fields.items()
        if name in model_fields and not field.disabled
    }


class RefusalOnTheForm:
    """A service's refusal becomes the form's error on its field; nothing is saved.

    Wagtail saves inside ``transaction.atomic()`` in ``form_valid``; the refusal rises
    out of it, so the whole save rolls back before the form is shown again.
    """

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
