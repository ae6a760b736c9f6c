"""A sidebar item that says how many things wait for the viewer: 加入申请（3）, 需求清单（12）."""

from django.utils.translation import gettext as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.sidebar import LinkMenuItem

SHOWN_AT_MOST = 99


class WaitingMenuItem(MenuItem):
    """Subclasses say who sees the item (``is_shown``) and what waits (``waiting``).

    Counting stops past 99 (the item reads 99+), so a town-wide queue costs no more to show
    than a grid's.
    """

    def waiting(self, request) -> int:
        raise NotImplementedError

    def render_component(self, request):
        waiting = self.waiting(request)
        label = self.label
        if waiting:
            label = _("%(label)s（%(n)s）") % {
                "label": self.label,
                "n": f"{SHOWN_AT_MOST}+" if waiting > SHOWN_AT_MOST else waiting,
            }
        return LinkMenuItem(
            self.name, label, self.url, icon_name=self.icon_name, classname=self.classname
        )
