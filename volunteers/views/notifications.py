"""消息中心 (notifications and channel preferences) and 我的导出 (background exports).

Thin: reads here, every write through ``services.notifications`` and
``services.exports``. A person sees only their own notifications and only the
exports they asked for; anyone else's id answers 404, as if it did not exist.
"""

import contextlib

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError, Gone
from core.refusals import refusal_response
from volunteers.models import ExportJob, Notification
from volunteers.selectors import person_for_user
from volunteers.services.exports import export_job_request, export_retention
from volunteers.services.notifications import (
    notification_mark_read,
    notification_preferences_update,
    notifications_mark_all_read,
    preferences_for,
)

PER_PAGE = 20


class PreferencesForm(forms.Form):
    email = forms.BooleanField(
        label=gettext_lazy("邮件"),
        required=False,
        help_text=gettext_lazy("发送到账号登记的邮箱。"),
    )
    sms = forms.BooleanField(
        label=gettext_lazy("短信"),
        required=False,
        help_text=gettext_lazy("活动前 1 小时提醒、候补转正、活动取消时发送到手机。"),
    )


@never_cache
@login_required
@require_GET
def my_notifications(request):
    person = person_for_user(request.user, "user")
    notifications = Notification.objects.none()
    form = None
    if person is not None:
        notifications = Notification.objects.filter(recipient=person).order_by("-created_at", "-id")
        preference = preferences_for(person)
        form = PreferencesForm(initial={"email": preference.email, "sms": preference.sms})
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "volunteers/notifications.html",
        {
            "person": person,
            "page": page,
            "has_unread": any(n.read_at is None for n in page),
            "form": form,
            "has_email": bool(request.user.email),
        },
    )


@login_required
@require_POST
def notification_read(request, pk: int):
    notification = (
        Notification.objects.filter(pk=pk, recipient__user=request.user).only("pk", "url").first()
    )
    if notification is None:
        raise Http404(_("没有找到这条消息。"))
    notification_mark_read(notification_id=notification.pk, by=request.user)
    # "查看" marks it read and follows the link; a link elsewhere is refused.
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.url)
    return redirect("volunteers:my_notifications")


@login_required
@require_POST
def notifications_read_all(request):
    changed = notifications_mark_all_read(by=request.user)
    if changed:
        messages.success(request, _("已将 %(count)d 条消息标为已读。") % {"count": changed})
    return redirect("volunteers:my_notifications")


@never_cache
@login_required
@require_POST
def notification_preferences(request):
    person = person_for_user(request.user, "user")
    if person is None:
        messages.error(request, _("您的账号还没有关联志愿者信息，无法设置消息接收方式。"))
        return redirect("volunteers:my_notifications")
    form = PreferencesForm(request.POST)
    form.is_valid()  # two optional checkboxes: always valid
    notification_preferences_update(
        person=person, email=form.cleaned_data["email"], sms=form.cleaned_data["sms"]
    )
    messages.success(request, _("消息接收方式已保存。"))
    return redirect("volunteers:my_notifications")


# --- 我的导出 -------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def my_exports(request):
    jobs = ExportJob.objects.filter(requested_by=request.user).order_by("-created_at", "-id")
    page = Paginator(jobs, PER_PAGE).get_page(request.GET.get("page"))
    waiting = any(
        job.status in (ExportJob.Status.PENDING, ExportJob.Status.RUNNING) for job in page
    )
    return render(
        request,
        "volunteers/exports.html",
        {"page": page, "waiting": waiting, "retention_days": export_retention().days},
    )


@login_required
@require_POST
def export_request(request):
    kind = request.POST.get("export", "")
    params = {"kind": request.POST.get("kind", ""), "activity": request.POST.get("activity")}
    try:
        job = export_job_request(by=request.user, kind=kind, params=params)
    except DomainError as refusal:
        return refusal_response(request, refusal, title=_("无法导出"), links="back")
    if job.status == ExportJob.Status.FAILED:  # the queue was away: nothing will run
        messages.error(request, job.error)
    else:
        messages.success(
            request,
            _("已开始生成“%(title)s”，完成后可在本页下载。") % {"title": job.title},
        )
    return redirect("volunteers:my_exports")


@never_cache
@login_required
@require_GET
def export_download(request, pk: int):
    job = ExportJob.objects.filter(
        pk=pk,
        requested_by=request.user,
        status__in=(ExportJob.Status.DONE, ExportJob.Status.EXPIRED),
    ).first()
    if job is None:
        raise Http404(_("没有找到这个导出文件。"))
    handle = None
    if job.status == ExportJob.Status.DONE and job.file:
        with contextlib.suppress(FileNotFoundError):
            handle = job.file.open("rb")
    if handle is None:  # expired, or its file gone from the disk by other means
        expired = Gone(
            "expired",
            _("导出的文件只保留 %(days)d 天，这个文件已被删除。请回到“我的导出”重新导出。")
            % {"days": export_retention().days},
        )
        return refusal_response(request, expired, title=_("导出文件已过期"), links="back")
    name = job.file.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=name)
