"""What the API keeps: people's signed-in devices (tokens), town systems' keys, WeChat
bindings and the answers to writing requests sent with an ``Idempotency-Key``.

No secret is stored as given: tokens and keys are kept as their SHA-256 digest (they are
32 random bytes, so a slow hash adds nothing), and the person sees a device by its name.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiSession(models.Model):
    """One sign-in from the API (a phone's mini-program, a script): 登录设备.

    It holds the current pair: a short-lived access token and a refresh token that is
    replaced each time it is used. A refresh token used a second time means it was
    copied, so the whole sign-in is revoked (``previous_refresh_digest``).
    """

    class Method(models.TextChoices):
        PASSWORD = "password", _("手机号和密码")
        SMS = "sms", _("短信验证码")
        WECHAT = "wechat", _("微信小程序")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_sessions",
        verbose_name=_("账号"),
    )
    name = models.CharField(_("设备名称"), max_length=80, blank=True)
    method = models.CharField(_("登录方式"), max_length=16, choices=Method.choices)
    access_digest = models.CharField(max_length=64, unique=True)
    access_expires_at = models.DateTimeField()
    refresh_digest = models.CharField(max_length=64, unique=True)
    refresh_expires_at = models.DateTimeField()
    previous_refresh_digest = models.CharField(max_length=64, blank=True, db_index=True)
    # The password's fingerprint when the sign-in was made: a changed password ends it.
    password_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("登录时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    last_ip = models.GenericIPAddressField(_("最近地址"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("注销原因"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("接口登录")
        verbose_name_plural = _("接口登录")
        indexes = [models.Index(fields=["user", "revoked_at"], name="api_session_user_live")]

    def __str__(self) -> str:
        return f"{self.get_method_display()} · {self.name or self.pk}"


class ApiKey(models.Model):
    """A town system's read-only key (智慧敦煌, 甘肃党建…), scoped to an organisation subtree."""

    name = models.CharField(_("系统名称"), max_length=80)
    organisation = models.ForeignKey(
        "volunteers.Organisation",
        on_delete=models.PROTECT,
        related_name="api_keys",
        verbose_name=_("可读范围"),
        help_text=_("只能读取这个组织及其下级的汇总数据。"),
    )
    prefix = models.CharField(_("密钥前缀"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WeChatBinding(models.Model):
    """A mini-program user (openid of an app id) bound to an account after the SMS code."""

    app_id = models.CharField(max_length=32)
    openid = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wechat_bindings",
        verbose_name=_("账号"),
    )
    created_at = models.DateTimeField(_("绑定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("微信绑定")
        verbose_name_plural = _("微信绑定")
        constraints = [
            models.UniqueConstraint(fields=["app_id", "openid"], name="api_wechat_one_openid"),
        ]

    def __str__(self) -> str:
        return f"{self.app_id}:{self.openid[:6]}…"


class IdempotencyRecord(models.Model):
    """The first answer to a writing POST sent with an ``Idempotency-Key``.

    The unique (principal, key) decides, not a prior SELECT: a retry that arrives while
    the first is still running is refused, and one after it gets the stored answer.
    """

    principal = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    body = models.BinaryField(default=b"")
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="api_idempotency_once"),
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"
