"""The API in the Wagtail admin: 设置 → 接口密钥, the town systems' keys (``admin_views``)."""

from wagtail import hooks

from api.admin_views import api_keys_menu_item, urlpatterns

hooks.register("register_admin_urls", lambda: urlpatterns)
hooks.register("register_settings_menu_item", api_keys_menu_item)
