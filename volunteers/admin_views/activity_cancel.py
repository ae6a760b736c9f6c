"""Cancelling an activity from the Wagtail admin: a reason, then everyone signed up is told."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.errors import DomainError
from volunteers import permissions
from volunteers.models import Activity
from volunteers.selectors import with_signup_counts
from volunteers.services.activities import activity_cancel


def local_time(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else ""


def cancel_url(activity: Activity) -> str:
    return reverse(Activity.snippet_viewset.get_url_name("cancel"), args=[activity.pk])


def can_cancel(activity: Activity) -> bool:
    return activity.live and not activity.cancelled_at and not activity.finished_at


class ActivityCancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("取消原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("短信会把这个原因告诉每一位已报名和候补的人。"),
        error_messages={
            "required": gettext_lazy("请填写取消原因。"),
            "max_length": gettext_lazy("取消原因最多 200 个字。"),
        },
    )


class ActivityCancelView(WagtailAdminTemplateMixin, FormView):
    """Cancel (not unpublish): everyone signed up is told by SMS."""

    form_class = ActivityCancelForm
    template_name = "volunteers/admin/activity_cancel.html"
    page_title = gettext_lazy("取消活动")
    header_icon = "cross"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.activity = get_object_or_404(
            with_signup_counts(Activity.objects.select_related("organisation")), pk=kwargs["pk"]
        )

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can(request.user, permissions.Action.PUBLISH, self.activity):
            raise PermissionDenied
        if not can_cancel(self.activity):
            if self.activity.cancelled_at:
                messages.warning(request, _("活动已经取消。"))
            else:
                messages.warning(request, _("只有已发布、尚未结束的活动可以取消。"))
            return redirect(self.edit_url)
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def edit_url(self) -> str:
        return reverse(Activity.snippet_viewset.get_url_name("edit"), args=[self.activity.pk])

    def get_page_subtitle(self):
        return str(self.activity)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse(Activity.snippet_viewset.get_url_name("list")),
                "label": _("活动"),
            },
            {"url": self.edit_url, "label": str(self.activity)},
            {"url": "", "label": _("取消活动")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            activity=self.activity,
            starts=local_time(self.activity.starts_at),
            action_url=self.request.path,
            submit_button_label=_("确认取消活动"),
            submit_button_active_label=_("正在取消…"),
            notified=self.activity.confirmed_count + self.activity.waitlist_count,
            edit_url=self.edit_url,
        )
        return context

    def form_valid(self, form):
        try:
            activity_cancel(
                activity=self.activity, reason=form.cleaned_data["reason"], by=self.request.user
            )
        except DomainError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("活动“%(title)s”已取消，正在通过短信通知已报名的人。") % {"title": self.activity},
        )
        return redirect(reverse(Activity.snippet_viewset.get_url_name("list")))
